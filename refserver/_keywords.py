"""Keyword helpers for the instance builder: merging subschemas, numeric bounds, guessed types."""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["bounds", "guess_type", "merge", "search"]


def search(pattern: str, text: str) -> bool:
    """``re.search`` that treats a bad pattern as no match."""
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def bounds(schema: dict[str, Any], draft4: bool) -> tuple[float | None, float | None]:
    """Inclusive numeric bounds, folding in the exclusive ones (draft 4 booleans too)."""
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if draft4:
        ex_low = low if ex_low is True else None
        ex_high = high if ex_high is True else None
    if isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
        bump = math.floor(ex_low) + 1 if float(ex_low).is_integer() else math.ceil(ex_low)
        low = bump if low is None else max(low, bump)
    if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
        drop = math.ceil(ex_high) - 1 if float(ex_high).is_integer() else math.floor(ex_high)
        high = drop if high is None else min(high, drop)
    return low, high


def guess_type(schema: dict[str, Any]) -> list[str]:
    """Types to try for a schema without ``type``, from the keywords it uses."""
    if {"properties", "required", "additionalProperties", "minProperties"} & schema.keys():
        return ["object"]
    if {"items", "prefixItems", "minItems", "contains"} & schema.keys():
        return ["array"]
    if {"minLength", "maxLength", "pattern", "format"} & schema.keys():
        return ["string"]
    if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & schema.keys():
        return ["number"]
    return ["null", "object", "string", "integer", "boolean", "array"]


def merge(left: Any, right: Any) -> Any:
    """One schema requiring both (best effort; the validator has the last word)."""
    if not isinstance(left, dict) or not isinstance(right, dict):
        return right if left is True else left if right is True else {"allOf": [left, right]}
    merged = dict(left)
    for key, value in right.items():
        if key not in merged:
            merged[key] = value
        elif key == "properties" and isinstance(value, dict):
            merged[key] = {
                **merged[key],
                **{k: merge(merged[key].get(k, True), v) for k, v in value.items()},
            }
        elif key == "required" and isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif key == "type":
            lt = [merged[key]] if isinstance(merged[key], str) else list(merged[key])
            rt = [value] if isinstance(value, str) else list(value)
            both = [t for t in lt if t in rt or (t == "integer" and "number" in rt)]
            both += [t for t in rt if t == "integer" and "number" in lt and t not in both]
            merged[key] = both
        elif key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            merged[key] = max(merged[key], value) if _num(merged[key], value) else value
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            merged[key] = min(merged[key], value) if _num(merged[key], value) else value
        else:
            merged[key] = value
    return merged


def _num(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
