"""Accepted changes: a reviewed list of deliberate breaking changes that must not fail a gate.

The file is a YAML (or JSON) list; each entry names a rule and where it fires::

    - rule: request-bound-tightened
      operation: POST /v1/chat/completions
      part: request application/json   # optional: any part when omitted
      path: $.n                         # optional: any path when omitted
      reason: n is bounded to 1..128 on purpose

An entry that matches nothing is stale (the change was reverted, or moved): the CLI warns, so the
list does not silently keep permission for a change nobody is making any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .._errors import SpecError
from ._load import parse_file
from ._model import DIFF_RULES, Change

__all__ = ["Accepted", "apply_accepted", "load_accepted"]

_KEYS = ("rule", "operation", "part", "path", "reason")


@dataclass(frozen=True)
class Accepted:
    """One entry of an accepted-changes file (``index`` counts from 1, for messages)."""

    index: int
    rule: str
    operation: str
    part: str | None = None
    path: str | None = None
    reason: str = ""

    def matches(self, change: Change) -> bool:
        return (
            change.rule == self.rule
            and change.operation == self.operation
            and self.part in (None, change.part)
            and self.path in (None, change.path)
        )

    def describe(self) -> str:
        where = " ".join(p for p in (self.operation, self.part, self.path) if p)
        return f"entry {self.index} ({self.rule} at {where})"


def _entry(index: int, raw: object, source: str) -> Accepted | SpecError:
    where = f"[{index - 1}]"
    if not isinstance(raw, dict):
        return SpecError("invalid accepted-changes entry", "not a mapping", source, where)
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        detail = f"unknown key {unknown[0]!r} (expected {', '.join(_KEYS)})"
        return SpecError("invalid accepted-changes entry", detail, source, where)
    values = {k: raw[k] for k in _KEYS if k in raw}
    for key, value in values.items():
        if not isinstance(value, str):
            detail = f"`{key}` is not a string"
            return SpecError("invalid accepted-changes entry", detail, source, where)
    if "rule" not in values or "operation" not in values:
        detail = "`rule` and `operation` are required"
        return SpecError("invalid accepted-changes entry", detail, source, where)
    if values["rule"] not in DIFF_RULES:
        detail = f"unknown rule {values['rule']!r}"
        return SpecError("invalid accepted-changes entry", detail, source, where)
    return Accepted(
        index,
        values["rule"],
        values["operation"],
        values.get("part"),
        values.get("path"),
        values.get("reason", ""),
    )


def load_accepted(path: Path) -> list[Accepted] | SpecError:
    """The entries of an accepted-changes file, or the first problem with it."""
    data = parse_file(path)
    if isinstance(data, SpecError):
        return data
    if data is None:
        return []
    if not isinstance(data, list):
        detail = f"the top level is {type(data).__name__}, not a list of changes"
        return SpecError("invalid accepted-changes file", detail, str(path), "1:1")
    entries: list[Accepted] = []
    for index, raw in enumerate(data, start=1):
        entry = _entry(index, raw, str(path))
        if isinstance(entry, SpecError):
            return entry
        entries.append(entry)
    return entries


def apply_accepted(
    changes: Sequence[Change], accepted: Sequence[Accepted]
) -> tuple[list[Change], list[Accepted]]:
    """``changes`` with the listed breaking ones marked accepted (re-sorted), and stale entries."""
    used: set[int] = set()
    marked: list[Change] = []
    for change in changes:
        hits = [entry.index for entry in accepted if entry.matches(change)]
        used.update(hits)
        if hits and change.severity == "breaking":
            change = replace(change, accepted=True)
        marked.append(change)
    stale = [entry for entry in accepted if entry.index not in used]
    return sorted(marked, key=Change.sort_key), stale
