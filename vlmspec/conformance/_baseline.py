"""Accepted failures: a baseline file keyed by failure signatures, so CI fails only on new ones.

Compared with Schemathesis 4.32's `--baseline` (entries keyed by operation, check, failure class
and the failure's raw unique key), a signature here is the clause, the check and the message
with its case-specific parts blanked (numbers, quoted values, ids: `_clauses.signature`), so a
new seed or random case of the same fault matches. An entry not seen again is called *fixed* only
when its clause was judged in this run; an entry whose clause was not judged (budget, max time,
out of scope) is *unverified*, never silently "fixed". A baseline never turns an inconclusive
run green: it only accepts failures. Entries may carry `reason` and `expires` (YYYY-MM-DD).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._clauses import FAIL, NOT_APPLICABLE, PASS
from ._runner import RunResult

__all__ = ["FORMAT", "Baseline", "apply_baseline", "baseline_of", "load_baseline"]

FORMAT = "vlmspec-baseline/1"


@dataclass
class Baseline:
    """Accepted failure signatures, with what the file says about each."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def accepts(self, signature: str, today: datetime.date) -> bool:
        entry = self.entries.get(signature)
        if entry is None:
            return False
        expires = entry.get("expires")
        return not (isinstance(expires, str) and datetime.date.fromisoformat(expires) < today)


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; ValueError with a one-line reason when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(
            f"--baseline {path}: no such file (record one with --baseline-update)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"--baseline {path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"--baseline {path}: not a {FORMAT} file")
    entries = data.get("failures")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("signature"), str) for e in entries
    ):
        raise ValueError(f"--baseline {path}: `failures` must be a list of {{signature: ...}}")
    for entry in entries:
        expires = entry.get("expires")
        if expires is not None:
            try:
                datetime.date.fromisoformat(str(expires))
            except ValueError:
                raise ValueError(
                    f"--baseline {path}: expires {expires!r} is not YYYY-MM-DD"
                ) from None
    return Baseline({entry["signature"]: entry for entry in entries})


def apply_baseline(
    result: RunResult, baseline: Baseline, today: datetime.date | None = None
) -> None:
    """Mark each failure known or new, list fixed and unverified entries (result.extra)."""
    day = today or datetime.date.today()
    seen: set[str] = set()
    new: list[str] = []
    known: list[str] = []
    for clause in result.clauses:
        for failure in clause.failures:
            seen.add(failure.signature)
            failure.known = baseline.accepts(failure.signature, day)
            (known if failure.known else new).append(failure.signature)
    judged = {c.id for c in result.clauses if c.status in (PASS, FAIL)}
    fixed: list[str] = []
    unverified: list[str] = []
    for signature, entry in baseline.entries.items():
        if signature in seen:
            continue
        owner = str(entry.get("clause") or signature.split(" · ", 1)[0])
        (fixed if owner in judged else unverified).append(signature)
    result.extra["baseline"] = {
        "new": new,
        "known": known,
        "fixed": fixed,
        "unverified": unverified,
    }


def baseline_of(result: RunResult) -> str:
    """This run's failures as a baseline file (sorted, one entry per signature)."""
    entries = []
    stamp = datetime.date.today().isoformat()
    for clause in result.clauses:
        if clause.status == NOT_APPLICABLE:
            continue
        for failure in clause.failures:
            entries.append(
                {
                    "signature": failure.signature,
                    "clause": clause.id,
                    "check": failure.check,
                    "example": failure.message[:300],
                    "first_seen": stamp,
                    "reason": "",
                }
            )
    entries.sort(key=lambda entry: entry["signature"])
    return json.dumps({"format": FORMAT, "failures": entries}, indent=2, ensure_ascii=False) + "\n"
