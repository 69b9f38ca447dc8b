"""Render a list of changes as text (terminal), Markdown (CI step summary) or JSON (machines)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from ._model import Change

__all__ = ["DIFF_FORMATS", "DiffFormat", "render_changes"]

DiffFormat = Literal["text", "markdown", "json"]
DIFF_FORMATS: tuple[DiffFormat, ...] = ("text", "markdown", "json")


def _counts(changes: Sequence[Change]) -> tuple[int, int, int]:
    """(breaking not accepted, accepted, safe)."""
    breaking = sum(1 for c in changes if c.status == "breaking")
    accepted = sum(1 for c in changes if c.status == "accepted")
    return breaking, accepted, len(changes) - breaking - accepted


def _summary(changes: Sequence[Change]) -> str:
    breaking, accepted, safe = _counts(changes)
    if not changes:
        return "no changes"
    plural = "s" if len(changes) != 1 else ""
    if accepted:
        return f"{breaking} breaking, {accepted} accepted, {safe} safe change{plural}"
    return f"{breaking} breaking, {safe} safe change{plural}"


def _where(change: Change) -> str:
    return " ".join(p for p in (change.part, change.path) if p)


def _text(changes: Sequence[Change], old: str, new: str) -> str:
    lines = [f"{old} → {new}: {_summary(changes)}"]
    for status in ("breaking", "accepted", "safe"):
        chosen = [c for c in changes if c.status == status]
        if chosen:
            lines.append(f"\n{status.upper()} ({len(chosen)})")
        operation = None
        for change in chosen:
            if change.operation != operation:
                operation = change.operation
                named = f" ({change.operation_id})" if change.operation_id else ""
                lines.append(f"  {operation}{named}")
            where = _where(change)
            lines.append(f"    {where + ': ' if where else ''}{change.message}  [{change.rule}]")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") if text else " "


def _markdown(changes: Sequence[Change], old: str, new: str) -> str:
    breaking, accepted, _ = _counts(changes)
    verdict = "breaking" if breaking else "no breaking changes"
    if accepted and not breaking:
        verdict = "no unaccepted breaking changes"
    lines = [
        f"### API diff: {verdict} ({_summary(changes)})",
        "",
        f"`{_cell(old)}` → `{_cell(new)}`",
        "",
    ]
    if changes:
        lines += ["| Severity | Rule | Operation | Where | Change |", "|---|---|---|---|---|"]
        for c in changes:
            severity = {"breaking": "**breaking**", "accepted": "accepted (breaking)"}.get(
                c.status, "safe"
            )
            code = f"`{_cell(c.path)}`" if c.path else ""
            where = " ".join(p for p in (_cell(c.part) if c.part else "", code) if p) or " "
            lines.append(
                f"| {severity} | `{c.rule}` | {_cell(c.operation)} | {where} | {_cell(c.message)} |"
            )
    return "\n".join(lines) + "\n"


def _json(changes: Sequence[Change], old: str, new: str, stale: Sequence[str]) -> str:
    breaking, accepted, safe = _counts(changes)
    payload = {
        "old": old,
        "new": new,
        "breaking": breaking > 0,
        "summary": {"breaking": breaking, "accepted": accepted, "safe": safe},
        "stale_accepted": list(stale),
        "changes": [
            {
                "rule": c.rule,
                "severity": c.severity,
                "accepted": c.accepted,
                "operation": c.operation,
                "operationId": c.operation_id,
                "part": c.part,
                "path": c.path,
                "message": c.message,
            }
            for c in changes
        ],
    }
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_changes(
    changes: Sequence[Change], fmt: DiffFormat, old: str, new: str, stale: Sequence[str] = ()
) -> str:
    """The whole report for ``changes`` (already in their stable order) in ``fmt``.

    ``stale`` describes accepted-changes entries that matched nothing; only JSON carries them
    (people get them as warnings on stderr).
    """
    if fmt == "json":
        return _json(changes, old, new, stale)
    return (_text if fmt == "text" else _markdown)(changes, old, new)
