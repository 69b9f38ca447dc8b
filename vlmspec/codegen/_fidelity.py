"""Fidelity passes that need to know which schema each generated class models.

datamodel-code-generator reports that itself (`emit_model_metadata`: class name and the schema's
location for every model); these passes read the report and edit the syntax tree:

- a component keeps its own name: the generator names inline models after their property and
  gives the name to whichever schema it meets first, so an inline `repository` object could take
  `Repository` and leave the component `Repository1` (GitHub's `Repository`, `Package`);
- a class accepts null when its schema does (OAS 3.0 `nullable: true`, 3.1 `type: [object,
  null]`) and any non-object when its schema has object keywords but no `type` (JSON Schema
  applies `properties`/`required` to objects only: petstore's `Pet`), by a wrap validator that
  hands everything else to the model.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["MetaModel", "read_metadata", "restore_component_names", "whole_schema_validators"]

MetaModel = tuple[str, tuple[str, ...]]  # (class name, location of its schema in the document)
_COMPONENTS = ("components", "schemas")
_OBJECT_KEYWORDS = frozenset(
    {"properties", "required", "additionalProperties", "patternProperties"}
    | {"minProperties", "maxProperties", "propertyNames", "dependentRequired"}
)
_NOT_PLAIN = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "enum", "const", "if"})

# Validators on the class itself: the generated module defines these helpers once.
_NULL = "_accept_null"
_NON_OBJECTS = "_accept_non_objects"
_HELPERS = {
    _NULL: '''
def _accept_null(cls: type[BaseModel], value: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
    """The schema admits null itself (`nullable: true`, `type: [object, null]`)."""
    return None if value is None else handler(value)
''',
    _NON_OBJECTS: '''
def _accept_non_objects(
    cls: type[BaseModel], value: Any, handler: ModelWrapValidatorHandler[Any]
) -> Any:
    """Object keywords without `type: object`: JSON Schema accepts any non-object as it is."""
    return handler(value) if isinstance(value, dict | BaseModel) else value
''',
}
_ATTRIBUTES = {_NULL: "_null", _NON_OBJECTS: "_non_objects"}


def read_metadata(path: Path) -> list[MetaModel]:
    """(class name, schema location) of every model, from the generator's metadata file."""
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []  # no report: the passes below change nothing
    models = found.get("models") if isinstance(found, dict) else None
    return [
        (str(m["class_name"]), tuple(map(str, m["source_path"])))
        for m in models or []
        if isinstance(m, dict) and isinstance(m.get("source_path"), list) and m.get("class_name")
    ]


def restore_component_names(
    module: ast.Module, metadata: list[MetaModel], components: frozenset[str]
) -> list[MetaModel]:
    """Swap names so every component's class is named after it; returns the metadata renamed."""
    renames: dict[str, str] = {}
    for name, where in metadata:
        component = where[2] if len(where) == 3 and where[:2] == _COMPONENTS else name
        if component != name and component in components and component not in renames:
            renames[name], renames[component] = component, name
    if not renames:
        return metadata
    for node in ast.walk(module):
        if isinstance(node, ast.Name) and node.id in renames:
            node.id = renames[node.id]
        elif isinstance(node, ast.ClassDef) and node.name in renames:
            node.name = renames[node.name]
    return [(renames.get(name, name), where) for name, where in metadata]


def whole_schema_validators(
    module: ast.Module, document: Mapping[str, Any], metadata: list[MetaModel]
) -> set[str]:
    """Put `_null`/`_non_objects` wrap validators on the classes whose schema needs one.

    Returns the helpers used (the caller adds their source and imports).
    """
    needed: dict[str, str] = {}
    for name, where in metadata:
        schema = _at(document, where)
        if isinstance(schema, dict) and not _NOT_PLAIN & schema.keys():
            helper = _helper_for(schema)
            if helper is not None:
                needed[name] = helper
    used: set[str] = set()
    for node in module.body:
        helper = needed.get(node.name) if isinstance(node, ast.ClassDef) else None
        if helper is None or not isinstance(node, ast.ClassDef) or not _is_model(node):
            continue
        attribute = ast.parse(f'{_ATTRIBUTES[helper]} = model_validator(mode="wrap")({helper})')
        at = next((i + 1 for i, s in enumerate(node.body) if _is_config(s)), 0)
        node.body[at:at] = attribute.body
        used.add(helper)
    return used


def helper_source(helpers: set[str]) -> str:
    return "".join(_HELPERS[h] for h in sorted(helpers))


def _helper_for(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if kind is None and _OBJECT_KEYWORDS & schema.keys():
        return _NON_OBJECTS
    kinds = kind if isinstance(kind, list) else [kind]
    if "object" in kinds and ("null" in kinds or schema.get("nullable") is True):
        return _NULL
    return None


def _at(document: Mapping[str, Any], where: tuple[str, ...]) -> Any:
    node: Any = document
    for key in where:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _is_model(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Name) and b.id == "BaseModel" for b in node.bases)


def _is_config(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else []
    return any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets)
