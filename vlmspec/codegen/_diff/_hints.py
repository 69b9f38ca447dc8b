"""`not` and `discriminator`: compared as written, judged on the side that could break.

Neither is walked like a schema: a changed `not` may narrow or widen (so it is judged breaking
on both sides), and a discriminator only steers which branch a value is read as (its branches
are compared anyway). Adding or dropping a discriminator alone is no change.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from ._keywords import mapping

__all__ = ["discriminator_changes", "not_changes"]

Direction = Literal["request", "response"]
Finding = tuple[str, str, str]

_MISSING = object()


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _breaking(direction: Direction) -> str:
    """The aspect that breaks clients on this side: narrowing requests, widening responses."""
    return f"{direction}-type-{'narrowed' if direction == 'request' else 'widened'}"


def not_changes(direction: Direction, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = old.get("not", _MISSING), new.get("not", _MISSING)
    if before is _MISSING and after is _MISSING:
        return []
    if before is _MISSING:
        return [(f"{direction}-type-narrowed", "", "`not` added: fewer values allowed")]
    if after is _MISSING:
        return [(f"{direction}-type-widened", "", "`not` removed: more values allowed")]
    if _canon(before) == _canon(after):
        return []
    return [(_breaking(direction), "", "`not` changed (may allow other values)")]


def discriminator_changes(
    direction: Direction, old: dict[str, Any], new: dict[str, Any]
) -> list[Finding]:
    before, after = mapping(old.get("discriminator")), mapping(new.get("discriminator"))
    if not before or not after:
        return []
    out: list[Finding] = []
    old_name, new_name = before.get("propertyName"), after.get("propertyName")
    if old_name != new_name:
        out.append((_breaking(direction), "", f"discriminator `{old_name}` → `{new_name}`"))
    old_map, new_map = mapping(before.get("mapping")), mapping(after.get("mapping"))
    for tag in sorted(old_map.keys() - new_map.keys()):
        out.append((f"{direction}-type-narrowed", "", f"discriminator value `{tag}` removed"))
    for tag in sorted(new_map.keys() - old_map.keys()):
        out.append((f"{direction}-type-widened", "", f"discriminator value `{tag}` added"))
    for tag in sorted(old_map.keys() & new_map.keys()):
        if old_map[tag] != new_map[tag]:
            text = f"discriminator value `{tag}` now means {new_map[tag]} (was {old_map[tag]})"
            out.append((_breaking(direction), "", text))
    return out
