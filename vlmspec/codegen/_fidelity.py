"""Fidelity passes that need to know which schema each generated class models.

datamodel-code-generator reports that itself (`emit_model_metadata`: class name, the schema's
location and the fields of every model); these passes read the report and edit the syntax tree:

- a component keeps its own name: the generator names inline models after their property and
  gives the name to whichever schema it meets first, so an inline `repository` object could take
  `Repository` and leave the component `Repository1` (GitHub's `Repository`, `Package`);
- a class accepts null when its schema does (OAS 3.0 `nullable: true`, 3.1 `type: [object,
  null]`) and any non-object when its schema has object keywords but no `type` (JSON Schema
  applies `properties`/`required` to objects only: petstore's `Pet`), by a wrap validator that
  hands everything else to the model;
- `oneOf` exactly-one and `uniqueItems` on a RootModel's own schema, array items and
  `additionalProperties` values (on a property itself, _models.py's markers do it);
- `not`: its schema is hoisted to a component before generation (`hoist_not`), and a validator
  refuses what that component's type accepts;
- a property that admits null keeps `| None` when the generator shared its model with a site
  that does not.
"""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._fidelity_not import NONE_OF, excluded, hoist_not, none_of_source
from ._fidelity_unevaluated import EVALUATED_ONLY, evaluated_only, evaluated_only_source
from ._ir_types import ANNOTATION_KEYWORDS

__all__ = [
    "EVALUATED_ONLY",
    "EXACTLY_ONE",
    "NONE_OF",
    "UNIQUE_ITEMS",
    "MetaModel",
    "branch_counts",
    "evaluated_only_source",
    "helper_source",
    "hoist_not",
    "nested_validators",
    "none_of_source",
    "read_metadata",
    "restore_component_names",
    "weighted_branches",
    "whole_schema_validators",
]

# (class name, location of its schema in the document, field name → property name)
MetaModel = tuple[str, tuple[str, ...], dict[str, str]]
_COMPONENTS = ("components", "schemas")
_OBJECT_KEYWORDS = frozenset(
    {"properties", "required", "additionalProperties", "patternProperties"}
    | {"minProperties", "maxProperties", "propertyNames", "dependentRequired"}
)
_NOT_PLAIN = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "enum", "const", "if"})
_COMPOSED = frozenset({"allOf", "anyOf", "oneOf"})
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
_DECLARED = "_as_declared"
_HELPERS[_DECLARED] = '''
def _as_declared(cls: type[BaseModel], value: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
    """A subclass whose own schema refuses the null or non-object its base's accepts."""
    return handler(value)
'''
_ATTRIBUTES = {_NULL: "_null", _NON_OBJECTS: "_non_objects"}


def read_metadata(path: Path) -> list[MetaModel]:
    """(class name, schema location) of every model, from the generator's metadata file."""
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []  # no report: the passes below change nothing
    models = found.get("models") if isinstance(found, dict) else None
    return [
        (str(m["class_name"]), tuple(map(str, m["source_path"])), _fields(m.get("fields")))
        for m in models or []
        if isinstance(m, dict) and isinstance(m.get("source_path"), list) and m.get("class_name")
    ]


def _fields(fields: Any) -> dict[str, str]:
    listed = fields if isinstance(fields, list) else []
    return {
        str(f["name"]): str(f["original_name"])
        for f in listed
        if isinstance(f, dict) and f.get("name") and f.get("original_name")
    }


def restore_component_names(
    metadata: list[MetaModel], components: frozenset[str]
) -> tuple[list[MetaModel], dict[str, str]]:
    """The metadata renamed so every component's class is named after it, and the renames
    (swaps) for the module: _models.py makes them in a walk of the module it makes anyway."""
    classes: dict[str, list[str]] = {}  # component → its classes (copies beside a `$ref` too)
    for name, where, _ in metadata:
        if len(where) == 3 and where[:2] == _COMPONENTS and where[2] in components:
            classes.setdefault(where[2], []).append(name)
    renames: dict[str, str] = {}
    for component, names in classes.items():
        if component not in names and component not in renames and names[0] not in renames:
            renames[names[0]], renames[component] = component, names[0]
    if not renames:
        return metadata, renames
    return [(renames.get(name, name), where, fields) for name, where, fields in metadata], renames


def whole_schema_validators(
    module: ast.Module, document: Mapping[str, Any], metadata: list[MetaModel]
) -> set[str]:
    """Put `_null`/`_non_objects` wrap validators on the classes whose schema needs one.

    Returns the helpers used (the caller adds their source and imports).
    """
    needed: dict[str, str] = {}
    typed_parts: dict[str, list[Any]] = {}  # class → the `type`s of its own allOf parts
    for name, where, _ in metadata:
        schema = _at(document, where)
        if isinstance(schema, dict) and _typeless_branch(document, where, schema):
            needed[name] = _NON_OBJECTS
        if _COMPOSED & set(where) or not isinstance(schema, dict):
            continue  # a branch: the generator merged its parent's keywords into the class
        parts = schema.get("allOf")
        if isinstance(parts, list):
            typed_parts[name] = [p["type"] for p in parts if isinstance(p, dict) and "type" in p]
        if not _NOT_PLAIN & schema.keys():
            helper = _helper_for(schema)
            if helper is not None:
                needed[name] = helper
    used: set[str] = set()
    classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
    for node in classes.values():
        helper = needed.get(node.name)
        if helper is not None and _is_model(node):
            _insert(node, f'{_ATTRIBUTES[helper]} = model_validator(mode="wrap")({helper})')
            used.add(helper)
    # A subclass (`allOf: [{$ref: Base}, {type: object, ...}]`) inherits its base's validator;
    # a typed part of its own refuses what the base let through.
    for node in classes.values():
        inherited = _inherited(node, classes, needed, 0) - {needed.get(node.name)}
        for helper in sorted(inherited):
            if any(_refuses(kind, helper) for kind in typed_parts.get(node.name, [])):
                _insert(node, f'{_ATTRIBUTES[helper]} = model_validator(mode="wrap")({_DECLARED})')
                used.add(_DECLARED)
    return used


def _typeless_branch(
    document: Mapping[str, Any], where: tuple[str, ...], schema: Mapping[str, Any]
) -> bool:
    """An anyOf/oneOf branch with object keywords and no `type`, under a parent with no `type`
    either (Train Travel's card `source`): the branch's class, its parent's keywords merged in,
    is still typeless, so it lets non-objects through as JSON Schema does."""
    if len(where) < 2 or where[-2] not in ("anyOf", "oneOf") or _COMPOSED & set(where[:-2]):
        return False
    parent = _at(document, where[:-2])
    if not isinstance(parent, dict) or {"type", "nullable"} & parent.keys():
        return False
    return not _NOT_PLAIN & schema.keys() and _helper_for(schema) == _NON_OBJECTS


def _inherited(
    node: ast.ClassDef, classes: Mapping[str, ast.ClassDef], needed: Mapping[str, str], depth: int
) -> set[str]:
    found: set[str] = set()
    for base in node.bases:
        parent = classes.get(base.id) if isinstance(base, ast.Name) else None
        if parent is not None and depth < 32:
            found |= {needed[parent.name]} if parent.name in needed else set()
            found |= _inherited(parent, classes, needed, depth + 1)
    return found


def _refuses(kind: Any, helper: str) -> bool:
    """Whether a part typed ``kind`` refuses what ``helper`` lets through."""
    kinds = kind if isinstance(kind, list) else [kind]
    return "null" not in kinds if helper == _NULL else "object" in kinds and len(kinds) == 1


def _insert(node: ast.ClassDef, statement: str) -> None:
    at = next((i + 1 for i, s in enumerate(node.body) if _is_config(s)), _docstring(node))
    node.body[at:at] = ast.parse(statement).body


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


def _docstring(node: ast.ClassDef) -> int:
    """Where a class body's statements start: after its docstring, if it has one."""
    first = node.body[0].value if node.body and isinstance(node.body[0], ast.Expr) else None
    return 1 if isinstance(first, ast.Constant) and isinstance(first.value, str) else 0


def _is_config(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else []
    return any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets)


# Keywords checked by validators that _models.py defines (its `_ONE_OF` and `_UNIQUE` preludes).
EXACTLY_ONE = "_exactly_one"
UNIQUE_ITEMS = "_unique_items"
_STEPS = {"items": "list", "additionalProperties": "dict"}


@dataclass
class _Pass:
    roots: frozenset[str]  # RootModel classes: each checked as itself
    used: set[str] = field(default_factory=set)  # validators the module needs


def nested_validators(
    module: ast.Module, document: Mapping[str, Any], metadata: list[MetaModel]
) -> set[str]:
    """`oneOf` exactly-one and `uniqueItems` where no property marker reaches: a RootModel's own
    schema, array items and `additionalProperties` values (at any depth below either); `not`
    there, on properties and on a model's own schema.

    Returns the validators used (`EXACTLY_ONE`, `UNIQUE_ITEMS`, `NONE_OF`).
    """
    classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
    run = _Pass(frozenset(name for name, node in classes.items() if _is_root_model(node)))
    every, classes_at = dict(classes), {where: name for name, where, _ in metadata}
    for name, where, fields in metadata:
        node, schema = classes.pop(name, None), _at(document, where)  # each class once
        if node is None or not isinstance(schema, dict):
            continue
        refused = excluded(schema)
        if refused is not None and _is_model(node):
            wrap = f'_not = model_validator(mode="wrap")(_excluding({refused}))'
            at = next((i + 1 for i, s in enumerate(node.body) if _is_config(s)), _docstring(node))
            node.body[at:at] = ast.parse(wrap).body
            run.used.add(NONE_OF)
        properties = schema.get("properties")
        for item in node.body:
            if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                continue
            attribute = item.target.id
            if attribute == "root" and _is_root_model(node):
                item.annotation = _checked(item.annotation, schema, run, top=True)
                sub, location = schema, where
            elif isinstance(properties, dict) and isinstance(
                properties.get(fields.get(attribute)), dict
            ):
                # The property's own oneOf/uniqueItems: _models.py's markers; here what is below.
                sub = properties[fields[attribute]]
                location = (*where, "properties", fields[attribute])
                item.annotation = _checked(item.annotation, sub, run, top=False)
                if _admits_null(sub):
                    item.annotation = _with_none(item.annotation)
            else:
                continue
            evaluated = evaluated_only(sub, location, classes_at, every)
            if evaluated is not None:
                head, extras = _unwrap(item.annotation)
                item.annotation = _rewrap(head, [*extras, evaluated])
                run.used.add(EVALUATED_ONLY)
    return run.used


def _checked(annotation: ast.expr, schema: Mapping[str, Any], run: _Pass, top: bool) -> ast.expr:
    """``annotation`` with validators for ``schema``'s nested keywords (its own when ``top``)."""
    head, extras = _unwrap(annotation)
    depth_first = _descend(head, schema, run, 0)
    validators = _validators(depth_first, schema, run) if top else _not_validators(schema, run)
    if not validators:
        return annotation if head is depth_first else _rewrap(depth_first, extras)
    return _rewrap(depth_first, [*extras, *validators])


def _descend(annotation: ast.expr, schema: Mapping[str, Any], run: _Pass, depth: int) -> ast.expr:
    """Wrap the element type of ``list[...]``/``dict[str, ...]`` members for items/values."""
    if depth > 8 or "$ref" in schema:
        return annotation  # a component's class carries its own checks
    for step, container in _STEPS.items():
        sub = schema.get(step)
        if not isinstance(sub, dict) or "$ref" in sub:
            continue
        for member in _members(annotation):
            if not (isinstance(member, ast.Subscript) and _id(member.value) == container):
                continue
            if container == "list":
                member.slice = _element(member.slice, sub, run, depth)
            elif isinstance(member.slice, ast.Tuple) and len(member.slice.elts) == 2:
                elts = member.slice.elts
                elts[1] = _element(elts[1], sub, run, depth)
    return annotation


def _element(annotation: ast.expr, schema: Mapping[str, Any], run: _Pass, depth: int) -> ast.expr:
    head, extras = _unwrap(annotation)
    if _id(head) in run.roots:
        return annotation  # a RootModel of its own (`GridItem`), checked as one, inlined later
    head = _descend(head, schema, run, depth + 1)
    validators = _validators(head, schema, run)
    return _rewrap(head, [*extras, *validators]) if validators or extras else head


def _validators(annotation: ast.expr, schema: Mapping[str, Any], run: _Pass) -> list[ast.expr]:
    found: list[ast.expr] = []
    branches = [m for m in _members(annotation) if _id(m) != "MISSING" and not _is_none(m)]
    one_of, owner = _own_one_of(schema)
    undiscriminated = isinstance(one_of, list) and "discriminator" not in owner
    if undiscriminated and isinstance(one_of, list):
        branches = weighted_branches(branches, branch_counts(one_of))
    if undiscriminated and len(branches) > 1:
        exactly = _call(EXACTLY_ONE, *branches)
        found.append(_call("BeforeValidator", exactly))
        run.used.add(EXACTLY_ONE)
    if schema.get("uniqueItems") is True:
        found.append(_call("AfterValidator", ast.Name(id=UNIQUE_ITEMS, ctx=ast.Load())))
        run.used.add(UNIQUE_ITEMS)
    return [*found, *_not_validators(schema, run)]


def _own_one_of(schema: Mapping[str, Any]) -> tuple[Any, Mapping[str, Any]]:
    """(the `oneOf`, the schema holding it): the schema's own, else the one an inline `allOf`
    part holds, which the generator distributes over the other parts (`W2 | W3`)."""
    if "oneOf" in schema:
        return schema["oneOf"], schema
    parts = schema.get("allOf")
    holders = (
        [p for p in parts if isinstance(p, dict) and "oneOf" in p]
        if isinstance(parts, list)
        else []
    )
    return (holders[0]["oneOf"], holders[0]) if len(holders) == 1 else (None, schema)


def branch_counts(branches: list[Any]) -> list[int]:
    """How many of a `oneOf`'s branches each distinct one stands for, in order of first
    appearance: branches equal but for annotations become one member of the generator's union."""
    counts: dict[str, int] = {}
    for branch in branches:
        asserted = branch
        if isinstance(branch, dict):
            asserted = {k: v for k, v in branch.items() if k not in ANNOTATION_KEYWORDS}
            asserted = {k: v for k, v in asserted.items() if not k.startswith("x-")}
        key = json.dumps(asserted, sort_keys=True, default=str)
        counts[key] = counts.get(key, 0) + 1
    return list(counts.values())


def weighted_branches(members: list[ast.expr], counts: list[int]) -> list[ast.expr]:
    """The union's members, each once per `oneOf` branch it stands for: a value matching a
    member that two branches share matches both, which `oneOf` refuses.

    Only when the counts explain the members (one per distinct branch, in order): a branch's
    own class also carries its parent's marker (the generator merges the parent's keywords
    into it), and there the one member is that branch alone."""
    if len(counts) == len(members):
        return [copy.deepcopy(m) for m, n in zip(members, counts, strict=True) for _ in range(n)]
    return [copy.deepcopy(m) for m in members]


def _not_validators(schema: Mapping[str, Any], run: _Pass) -> list[ast.expr]:
    refused = excluded(schema)
    if refused is None:
        return []
    run.used.add(NONE_OF)
    return [_call("BeforeValidator", _call(NONE_OF, ast.Name(id=refused, ctx=ast.Load())))]


def _admits_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return schema.get("nullable") is True or (isinstance(kind, list) and "null" in kind)


def _with_none(annotation: ast.expr) -> ast.expr:
    """``annotation`` admitting None: the generator shares one model between a property that
    admits null and one that does not (an `allOf` merging both, GitHub's `WebhooksIssue.user`),
    and drops null from both."""
    head, extras = _unwrap(annotation)
    if any(_is_none(m) or _id(m) == "Any" for m in _members(head)):
        return annotation
    union = ast.BinOp(left=head, op=ast.BitOr(), right=ast.Constant(value=None))
    return _rewrap(union, extras)


def _unwrap(annotation: ast.expr) -> tuple[ast.expr, list[ast.expr]]:
    """(type, metadata) of ``Annotated[type, *metadata]``; (annotation, []) otherwise."""
    is_annotated = isinstance(annotation, ast.Subscript) and _id(annotation.value) == "Annotated"
    parts = annotation.slice if isinstance(annotation, ast.Subscript) else None
    if is_annotated and isinstance(parts, ast.Tuple) and parts.elts:
        return parts.elts[0], list(parts.elts[1:])
    return annotation, []


def _rewrap(annotation: ast.expr, extras: list[ast.expr]) -> ast.expr:
    if not extras:
        return annotation
    elts = ast.Tuple(elts=[annotation, *extras], ctx=ast.Load())
    return ast.Subscript(value=ast.Name(id="Annotated", ctx=ast.Load()), slice=elts, ctx=ast.Load())


def _members(annotation: ast.expr) -> list[ast.expr]:
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _members(annotation.left) + _members(annotation.right)
    return [annotation]


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _id(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_root_model(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Subscript) and _id(b.value) == "RootModel" for b in node.bases)
