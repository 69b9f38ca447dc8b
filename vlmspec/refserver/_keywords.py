"""Keyword helpers for the instance builder: merging subschemas, safe regex search."""

from __future__ import annotations

from typing import Any

from ._patterns import search

__all__ = ["merge", "search"]


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
