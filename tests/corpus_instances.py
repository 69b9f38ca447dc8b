"""A small deterministic JSON value for a JSON Schema: required properties only, lower bounds.

Good enough to exercise a round trip; callers check the result with jsonschema and skip the
operation when it is not valid (patterns, `not`, exotic combinations).
"""

from __future__ import annotations

from typing import Any

from vlmspec.codegen._ir_types import resolve

_NO: Any = object()


def minimal_instance(document: Any, schema: Any, depth: int = 0) -> Any:
    if depth > 12:
        return None
    schema = resolve(document, schema)
    if schema is True or not isinstance(schema, dict):
        return "x"
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return minimal_instance(document, schema[key][0], depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = minimal_instance(document, part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "null":
        return None
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low: Any = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        low = low + 1 if "exclusiveMinimum" in schema else low
        return int(low) if kind == "integer" else float(low)
    if kind == "string":
        return "x" * max(1, int(schema.get("minLength", 1)))
    if kind == "array":
        count = int(schema.get("minItems", 0))
        prefix = schema.get("prefixItems") or []
        items = [minimal_instance(document, p, depth + 1) for p in prefix]
        while len(items) < count:
            items.append(minimal_instance(document, schema.get("items") or {}, depth + 1))
        return items
    properties = schema.get("properties") or {}
    return {
        name: minimal_instance(document, properties.get(name, {}), depth + 1)
        for name in schema.get("required") or []
    }
