"""The empty closed object (`{type: object, additionalProperties: false}`, no properties) as a
union branch or array item: the generator writes `dict[str, Any]` there and drops the closure,
so `{"a": 1}` would pass and a oneOf could count it as a second match. A shared component
modelled as a class with `extra="forbid"` accepts `{}` alone, as JSON Schema does.

On a property the generator already keeps it (`Field(max_length=0)`); only branches and items
are rewritten.
"""

from __future__ import annotations

from typing import Any

from ._fidelity_not import subschemas

__all__ = ["hoist_empty_objects"]

_ANNOTATIONS = frozenset({"title", "description", "examples", "example", "deprecated"})
_EMPTY = {"type": "object", "additionalProperties": False}


def _empty_closed(schema: Any) -> bool:
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return False
    if schema.get("additionalProperties") is not False or schema.get("properties"):
        return False
    rest = schema.keys() - {"type", "additionalProperties", "properties"} - _ANNOTATIONS
    return not rest


def hoist_empty_objects(document: dict[str, Any]) -> bool:
    """Point every empty closed object in a union branch or array item at one component."""
    schemas = (document.get("components") or {}).get("schemas")
    if not isinstance(schemas, dict):
        return False
    name = "EmptyObject"
    index = 1
    while name in schemas:
        index += 1
        name = f"EmptyObject{index}"
    ref = {"$ref": f"#/components/schemas/{name}"}
    found = False
    stack = list(schemas.values())
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for key in ("oneOf", "anyOf"):
            branches = node.get(key)
            if isinstance(branches, list):
                for at, branch in enumerate(branches):
                    if _empty_closed(branch):
                        branches[at] = dict(ref)
                        found = True
        if _empty_closed(node.get("items")):
            node["items"] = dict(ref)
            found = True
        stack.extend(subschemas(node))
    if found:
        schemas[name] = dict(_EMPTY)
    return found
