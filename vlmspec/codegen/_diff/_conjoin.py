"""The conjunction of schemas (``allOf`` parts, keywords beside a union): every part applies.

Merging must not depend on the order of the parts: Bump.sh's Train Travel API declares `data` in
a generic wrapper (`items: {type: object}`) and again in a second part (`items: $ref Station`).
Keeping the first declaration reported every Station field as removed; the reversed order
reported nothing. So a property (or `items`, ...) declared in several parts becomes the
``allOf`` of its declarations, bounds take the tightest value, types and enums intersect.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from ._keywords import mapping, names

__all__ = ["conjoin", "meet_types"]

_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_SUBSCHEMAS = ("items", "contains", "propertyNames", "additionalProperties")
_ANY_TRUE = ("uniqueItems", "readOnly", "writeOnly", "deprecated")
# Not a conjunction, kept as the specs mean it: `nullable: true` beside `allOf: [$ref]` is
# OpenAPI 3.0's usual "this reference, or null", although strictly the ref part refuses null.
_NULLABLE = "nullable"
_UNIONS = ("anyOf", "oneOf")
_MAX_PRODUCT = 64
"""Branches of the product of several unions beyond which only one union is kept."""


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _distinct(values: list[Any]) -> list[Any]:
    """``values`` without repeats, in canonical order, so the parts' order does not matter."""
    return [v for _, v in sorted({_canon(v): v for v in values}.items())]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_set(value: Any) -> set[str]:
    kinds = value if isinstance(value, list) else [value]
    return {k for k in kinds if isinstance(k, str)}


def meet_types(values: list[Any]) -> Any:
    """The types every value allows (an integer is a number); ``[]`` when none is common."""
    common: set[str] | None = None
    for value in values:
        kinds = _type_set(value)
        if "number" in kinds:
            kinds.add("integer")
        # `number` survives only where all allow it; `integer` where all allow a number.
        common = kinds if common is None else common & kinds
    found = sorted(common or set())
    if "number" in found and "integer" in found:
        found.remove("integer")
    return found[0] if len(found) == 1 else found


def _properties(values: list[Any]) -> dict[str, Any]:
    declared: dict[str, list[Any]] = {}
    for value in values:
        for name, schema in mapping(value).items():
            declared.setdefault(name, []).append(schema)
    return {name: _all_of(found) for name, found in sorted(declared.items())}


def _all_of(values: list[Any]) -> Any:
    """One schema meaning all of ``values`` (a repeated declaration counts once)."""
    distinct = _distinct(values)
    return distinct[0] if len(distinct) == 1 else {"allOf": distinct}


def _additional(values: list[Any]) -> Any:
    if any(v is False for v in values):
        return False
    schemas = [v for v in values if isinstance(v, dict) and v]
    return _all_of(schemas) if schemas else values[0]


def _unions(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """Several unions must all hold: their product, ``anyOf`` of one branch of each."""
    unions = _distinct([s[k] for s in schemas for k in _UNIONS if isinstance(s.get(k), list)])
    if not unions:
        return {}
    if len(unions) == 1:
        key = next(k for s in schemas for k in _UNIONS if s.get(k) == unions[0])
        return {key: unions[0]}
    size = 1
    for union in unions:
        size *= max(len(union), 1)
    if size > _MAX_PRODUCT:
        return {"anyOf": unions[0]}  # too many to compare usefully; deterministic choice
    return {"anyOf": [{"allOf": list(combo)} for combo in itertools.product(*unions)]}


def _combine(key: str, values: list[Any]) -> Any:
    if key == "properties":
        return _properties(values)
    if key == "required":
        return sorted(set().union(*(names(v) for v in values)))
    if key == "type":
        return meet_types(values)
    if key == "enum":
        lists = [v for v in values if isinstance(v, list)]
        common = set.intersection(*({_canon(x) for x in v} for v in lists)) if lists else set()
        return [x for x in _distinct([x for v in lists for x in v]) if _canon(x) in common]
    if key == "const":
        return values[0] if len(_distinct(values)) == 1 else _NOTHING
    if key in _LOWER + _UPPER and all(_is_number(v) for v in values):
        return (max if key in _LOWER else min)(values)
    if key in _ANY_TRUE or key == _NULLABLE or key in ("exclusiveMinimum", "exclusiveMaximum"):
        return any(v is True for v in values)  # OpenAPI 3.0's booleans: exclusive if any is
    if key == "additionalProperties":
        return _additional(values)
    if key in _SUBSCHEMAS:
        return _all_of(values)
    if key == "not":
        return {"anyOf": _distinct(values)}  # not A and not B: not (A or B)
    if key == "default":
        return _NOTHING  # parts disagree: no one default applies
    # pattern, format, multipleOf, annotations: all apply; their sorted set is compared.
    return _distinct(values)


_NOTHING = object()


def conjoin(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """One schema accepting what every one of ``schemas`` accepts (none has ``allOf``)."""
    merged: dict[str, Any] = {}
    for key in sorted({k for s in schemas for k in s} - set(_UNIONS)):
        values = [s[key] for s in schemas if key in s]
        if len(values) == 1 or (key != "properties" and len(_distinct(values)) == 1):
            merged[key] = values[0]
            continue
        value = _combine(key, values)
        if value is _NOTHING and key == "const":
            merged["enum"] = []  # two different constants: nothing is accepted
        elif value is not _NOTHING:
            merged[key] = value
    return {**merged, **_unions(schemas)}
