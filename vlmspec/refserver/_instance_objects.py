"""Objects and arrays for the instance builder: which keys and items, then their values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._instance_errors import NoInstance
from ._keywords import merge, search
from ._regex import strings_for_pattern

if TYPE_CHECKING:
    from ._instance_builder import Builder

__all__ = ["array_instance", "object_instance"]

_NAMES_PER_SOURCE = 8
_DISTINCT_TRIES = 8


def _dependencies(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(dependentRequired, dependentSchemas), draft 7's ``dependencies`` split into the two."""
    required = dict(schema.get("dependentRequired") or {})
    schemas = dict(schema.get("dependentSchemas") or {})
    for name, dep in (schema.get("dependencies") or {}).items():
        (required if isinstance(dep, list) else schemas)[name] = dep
    return required, schemas


def _value_schema(schema: dict[str, Any], name: str) -> Any:
    """What the value under ``name`` must satisfy: its property and every matching pattern."""
    parts = [s for p, s in (schema.get("patternProperties") or {}).items() if search(p, name)]
    properties = schema.get("properties") or {}
    if name in properties:
        parts.insert(0, properties[name])
    if not parts:
        extra = schema.get("additionalProperties", True)
        return schema.get("unevaluatedProperties", True) if extra is True else extra
    if any(part is False for part in parts):
        return False
    found = parts[0]
    for part in parts[1:]:
        found = merge(found, part)
    return found


def _spare_names(
    b: Builder, schema: dict[str, Any], resolver: Any, depth: int, count: int
) -> Iterator[str]:
    """Names for optional keys: declared ones, then from the patterns, then invented ones."""
    yield from schema.get("properties") or {}
    for pattern in schema.get("patternProperties") or {}:
        yield from strings_for_pattern(str(pattern), 0, None, count)
    names = schema.get("propertyNames", True)
    if isinstance(names, dict) and names:
        for salt in range(count):
            try:
                name = b.gen(merge(names, {"type": "string"}), resolver, depth + 1, salt)
            except NoInstance:
                break
            if isinstance(name, str):
                yield name
    for index in range(count):
        yield f"key{index}"


def _close(keys: list[str], required: dict[str, Any]) -> None:
    """Add the keys that present keys require (dependentRequired), transitively, in place."""
    index = 0
    while index < len(keys):
        for dep in required.get(keys[index], []):
            if dep not in keys:
                keys.append(dep)
        index += 1


def object_instance(
    b: Builder, schema: dict[str, Any], resolver: Any, depth: int, salt: int
) -> dict[str, Any]:
    """An object with the required keys, plus enough others for ``minProperties``."""
    dep_required, dep_schemas = _dependencies(schema)
    keys = list(dict.fromkeys(schema.get("required", [])))
    _close(keys, dep_required)
    names = schema.get("propertyNames", True)
    values: dict[str, Any] = {}
    low = int(schema.get("minProperties", 0))
    spare = _spare_names(b, schema, resolver, depth, low + _NAMES_PER_SOURCE)
    while len(keys) < low:
        name = next((n for n in spare if n not in keys), None)
        if name is None:
            break
        sub = _value_schema(schema, name)
        if sub is False or not b.valid(names, name):
            continue
        try:
            values[name] = b.gen(sub, resolver, depth + 1, salt)
        except NoInstance:
            continue
        keys.append(name)
        _close(keys, dep_required)
    triggered = [name for name in keys if name in dep_schemas]
    if triggered:
        # A present key brings its dependent schema in: build against both, once each.
        rest = {k: v for k, v in dep_schemas.items() if k not in triggered}
        merged = {k: v for k, v in schema.items() if k not in ("dependentSchemas", "dependencies")}
        merged["dependentSchemas"] = rest
        merged["dependentRequired"] = dep_required
        merged["required"] = keys
        for name in triggered:
            merged = merge(merged, b.deref(dep_schemas[name], resolver)[0])
        return dict(b.gen(merged, resolver, depth + 1, salt))
    result: dict[str, Any] = {}
    for name in keys:
        if name in values:
            result[name] = values[name]
        else:
            result[name] = b.gen(_value_schema(schema, name), resolver, depth + 1, salt)
    return result


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def array_instance(
    b: Builder, schema: dict[str, Any], resolver: Any, depth: int, salt: int
) -> list[Any]:
    """An array: the prefix items, enough matches for ``contains``, then up to ``minItems``."""
    prefix = schema.get("prefixItems") or []
    items = schema.get("items", True)
    if isinstance(items, list):  # draft 4-7 tuple form
        prefix, items = items, schema.get("additionalItems", True)
    if items is True and "unevaluatedItems" in schema:
        items = schema["unevaluatedItems"]
    contains = schema.get("contains")
    wanted = 0 if contains is None else int(schema.get("minContains", 1))
    high = schema.get("maxItems")
    unique = schema.get("uniqueItems") is True
    result: list[Any] = []
    seen: set[str] = set()

    def add(sub: Any, start: int, *checks: Any) -> None:
        for offset in range(_DISTINCT_TRIES if unique or checks else 1):
            value = b.gen(sub, resolver, depth + 1, start + offset)
            if unique and _key(value) in seen:
                continue
            if all(b.valid(check, value) for check in checks):
                seen.add(_key(value))
                result.append(value)
                return
        raise NoInstance("cannot find a fitting item")

    def matches() -> int:
        if contains is None:
            return 0
        return sum(1 for value in result if b.valid(contains, value))

    for index, sub in enumerate(prefix):
        if high is not None and index >= int(high):
            break
        if matches() < wanted:
            try:
                add(merge(sub, contains), salt + index, sub, contains)
                continue
            except NoInstance:
                pass
        add(sub, salt + index)
    for _ in range(max(0, wanted - matches())):
        add(merge(items, contains), salt + len(result), items, contains)
    filler = items
    if contains is not None and "maxContains" in schema:
        # More matches than maxContains would break it: fill with items that do not match.
        if items is True:
            filler = {"not": contains}
        elif isinstance(items, dict) and "not" not in items:
            filler = {**items, "not": contains}
    while len(result) < int(schema.get("minItems", 0)):
        add(filler, salt + len(result))
    return result
