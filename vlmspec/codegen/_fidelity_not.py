"""`not`, which pydantic cannot spell and datamodel-code-generator ignores.

Before generation each inline `not` schema becomes a component of its own (`Not<Component>`, a
class or alias like any other, made explicit where the generator would read it as "any value");
after, a validator refuses what that component's type accepts (`_none_of` beside a type,
`_excluding` on a model's own schema; _fidelity.py places them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "NONE_OF",
    "excluded",
    "hoist_not",
    "none_of_source",
    "subschemas",
]

_TYPES = ("string", "number", "integer", "boolean", "null", "array", "object")
_TYPED_KEYWORDS = {
    "number": frozenset(
        {"multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
    ),
    "string": frozenset({"minLength", "maxLength", "pattern"}),
}


# `not`: pydantic has no spelling, and the generator ignores the keyword. Its schema becomes a
# component of its own (`Not<Component>`, a class or alias like any other), so a validator can
# refuse what that type accepts.
NONE_OF = "_none_of"
_NONE_OF_PRELUDE = '''
def _none_of(excluded: Any) -> Callable[[Any], Any]:
    """JSON Schema's `not`: a value the excluded schema accepts is invalid."""
    adapters: list[TypeAdapter[Any]] = []

    def check(value: Any) -> Any:
        if not adapters:
            adapters.append(TypeAdapter(excluded))
        try:
            adapters[0].validate_python(value)
        except ValueError:  # pydantic's ValidationError: not excluded, so valid here
            return value
        raise ValueError("value matches the schema that `not` excludes")

    return check


def _excluding(
    excluded: Any,
) -> Callable[[type[BaseModel], Any, ModelWrapValidatorHandler[Any]], Any]:
    """`not` beside an object's own keywords: checked before the model validates."""
    check = _none_of(excluded)

    def wrap(cls: type[BaseModel], value: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        return handler(check(value))

    return wrap
'''
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then")


def hoist_not(document: dict[str, Any]) -> bool:
    """Move every inline `not` schema to a component and point `not` at it; True if any."""
    schemas = (document.get("components") or {}).get("schemas")
    if not isinstance(schemas, dict):
        return False
    found = False
    for owner in list(schemas):
        stack = [schemas[owner]]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            excluded = node.get("not")
            if isinstance(excluded, dict) and "$ref" not in excluded:
                name, index = f"Not{owner}", 1
                while name in schemas:
                    index += 1
                    name = f"Not{owner}{index}"
                schemas[name] = _modelable(excluded)
                stack.append(excluded)
                node["not"] = {"$ref": f"#/components/schemas/{name}"}
                found = True
            stack.extend(subschemas(node))
    return found


def _modelable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as the generator can model it. Typeless numeric or string keywords hold for
    every other type too (an anyOf says so); `required` names without a property schema (OpenAI's
    `not: {required: [image_url, file_id]}`) get an empty one, else no field would hold them.
    """
    if "type" not in schema:
        for kind, keywords in _TYPED_KEYWORDS.items():
            if keywords & schema.keys():  # vacuously true of every other type: say so
                others = [t for t in _TYPES if t not in (kind, "integer")]
                return {"anyOf": [{**schema, "type": kind}, {"type": others}]}
    required = schema.get("required")
    if not isinstance(required, list) or schema.get("type") not in (None, "object"):
        return schema
    properties = schema.get("properties")
    properties = dict(properties) if isinstance(properties, dict) else {}
    for name in required:
        properties.setdefault(str(name), {})
    return {**schema, "properties": properties}


def subschemas(node: dict[str, Any]) -> list[Any]:
    """The schemas directly inside ``node`` (never `example`, `default`, `enum`: data)."""
    found: list[Any] = [node.get(k) for k in _SCHEMA_VALUES if k != "not"]
    for key in _SCHEMA_MAPS:
        value = node.get(key)
        found += list(value.values()) if isinstance(value, dict) else []
    for key in _SCHEMA_LISTS:
        value = node.get(key)
        found += value if isinstance(value, list) else []
    return found


def none_of_source() -> str:
    return _NONE_OF_PRELUDE


def excluded(schema: Mapping[str, Any]) -> str | None:
    """The component `not` names (after hoist_not), if any."""
    ref = schema.get("not", {}).get("$ref") if isinstance(schema.get("not"), dict) else None
    prefix = "#/components/schemas/"
    if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :].isidentifier():
        return ref[len(prefix) :]
    return None
