"""The clauses a server is judged on, and the thread-safe ledger of their verdicts.

A check either *judges* its property (pass or fail) or records why it could not (``unjudged``,
with a reason). A clause passes only on judged checks, and only when enough of them were judged;
anything else is "not judged", shown with the reasons. "Not applicable" is never a pass.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FAIL",
    "NOT_APPLICABLE",
    "NOT_JUDGED",
    "NO_TASK_IN_SHARD",
    "PASS",
    "SHARED_LEGEND",
    "Clause",
    "ClauseResult",
    "Failure",
    "Ledger",
    "clause_ids",
    "reasons",
    "requests_cell",
    "signature",
]

PASS, FAIL, NOT_JUDGED, NOT_APPLICABLE = "pass", "fail", "not judged", "n/a"
NO_TASK_IN_SHARD = "not applicable: nothing of it in shard"


@dataclass(frozen=True)
class Clause:
    """One named requirement with its own verdict row, declared by an API pack (`_packs.py`).

    ``auth``: judged only when the target has auth. ``deterministic``: judged only on a target
    declared deterministic. ``most_checks``: how many judged checks the clause can have at most
    in one run (the profile's minimum is capped by it, e.g. health is one request).
    ``contract``: where the rule comes from (a pointer into the bundle, an overlay, or a named
    semantic rule).
    """

    id: str
    title: str
    auth: bool = False
    deterministic: bool = False
    most_checks: int = 1000
    contract: str = ""
    pack: str = ""


def clause_ids() -> list[str]:
    from ._packs import CLAUSES

    return [clause.id for clause in CLAUSES]


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|b'[^']*'")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_RUN = re.compile(r"(<n>|<value>)(, (<n>|<value>))+")
_HEX = re.compile(r"\b[0-9a-f]{8,}\b|\b[0-9a-f]{8}-[0-9a-f-]{27,}\b", re.IGNORECASE)


def signature(clause: str, check: str, message: str) -> str:
    """A failure's stable identity: the clause, the check and the message with its case-specific
    parts (numbers, quoted values, ids) blanked, so two seeds of one fault share it."""
    text = _HEX.sub("<id>", message)
    text = _QUOTED.sub("<value>", text)
    text = _NUMBER.sub("<n>", text)
    text = _RUN.sub(r"\1...", text)  # [0, 1, 2] and [0, 1, 2, 3]: one list of numbers
    return f"{clause} · {check} · {' '.join(text.split())[:240]}"


@dataclass
class Failure:
    """A failed check: what is wrong, how to reproduce it, how often it happened."""

    message: str
    case: str
    curl: str | None = None
    response: str | None = None
    check: str = ""
    signature: str = ""
    count: int = 1
    concurrent_only: bool = False
    known: bool = False  # accepted by the --baseline file
    task: str = ""  # the task that met it (to replay it alone)
    contract: str = ""  # what the check enforces, where it comes from

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ClauseResult:
    """The verdict of one clause."""

    id: str
    title: str
    status: str = NOT_JUDGED
    checks: int = 0
    failed: int = 0
    required: int = 1
    requests: int = 0
    # summed time of the tasks led by this clause: tasks overlap under --workers, so these add
    # up to more than the run's wall time (reports show the wall time, not these)
    busy_seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    unjudged: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    contract: str = ""
    incomplete: str = ""  # why some of its checks never ran (budget, max time, stop)

    @property
    def judged(self) -> int:
        return self.checks

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "failures"}
        data["failures"] = [failure.as_dict() for failure in self.failures]
        return data


_KEEP_SIGNATURES = 500  # per clause: every distinct failure, bounded against a hostile server


class Ledger:
    """Collects check outcomes per clause, from any worker thread.

    ``freeze`` ends the run's bookkeeping (max time, Ctrl-C): workers still finishing a request
    cannot change a verdict already reported.
    """

    def __init__(
        self, selected: list[str] | None = None, *, not_applicable: dict[str, str] | None = None
    ) -> None:
        from ._packs import CHECKS, CLAUSES

        ids = selected or clause_ids()
        self._contracts = CHECKS
        self._clauses = {c.id: c for c in CLAUSES}
        self.results = {
            c.id: ClauseResult(c.id, c.title, contract=c.contract) for c in CLAUSES if c.id in ids
        }
        self.not_applicable = dict(not_applicable or {})
        self.incomplete: dict[str, str] = {}
        self._signatures: dict[str, dict[str, Failure]] = {c: {} for c in self.results}
        self._lock = threading.Lock()
        self._frozen = False

    def freeze(self) -> None:
        with self._lock:
            self._frozen = True

    def _result(self, clause: str) -> ClauseResult | None:
        if self._frozen or clause in self.not_applicable:
            return None
        return self.results.get(clause)

    def passed(self, clause: str) -> None:
        """One check of ``clause`` judged its property, and it holds."""
        with self._lock:
            result = self._result(clause)
            if result is not None:
                result.checks += 1

    def failed(self, clause: str, failure: Failure) -> None:
        """One check of ``clause`` judged its property, and it does not hold."""
        with self._lock:
            result = self._result(clause)
            if result is None:
                return
            result.checks += 1
            result.failed += 1
            failure.signature = failure.signature or signature(
                clause, failure.check or clause, failure.message
            )
            failure.contract = failure.contract or self._contracts.get(
                failure.check, result.contract
            )
            known = self._signatures[clause].get(failure.signature)
            if known is not None:
                known.count += 1
            elif len(self._signatures[clause]) < _KEEP_SIGNATURES:
                self._signatures[clause][failure.signature] = failure
                result.failures.append(failure)

    def failing_tasks(self) -> dict[str, set[str]]:
        """The signatures of failures each task met."""
        found: dict[str, set[str]] = {}
        with self._lock:
            for failures in self._signatures.values():
                for failure in failures.values():
                    found.setdefault(failure.task, set()).add(failure.signature)
        return found

    def signatures(self) -> set[str]:
        with self._lock:
            return {s for failures in self._signatures.values() for s in failures}

    def concurrent_only(self, signature: str, workers: int) -> None:
        """A failure that did not recur when its task ran alone: say so, and give a
        reproduction that sends its request ``workers`` times at once."""
        with self._lock:
            for failures in self._signatures.values():
                failure = failures.get(signature)
                if failure is None or failure.concurrent_only:
                    continue
                failure.concurrent_only = True
                failure.message += " (only under concurrent requests: passed when run alone)"
                if failure.curl:
                    failure.curl = f"for i in $(seq {workers}); do {failure.curl} & done; wait"

    def unjudged(self, clause: str, reason: str) -> None:
        """One check of ``clause`` could not judge its property, for ``reason``."""
        with self._lock:
            result = self._result(clause)
            if result is not None:
                result.unjudged[reason] = result.unjudged.get(reason, 0) + 1

    def note(self, clause: str, text: str) -> None:
        with self._lock:
            result = self.results.get(clause)
            if result is not None and text not in result.notes and not self._frozen:
                result.notes.append(text)

    def cut_short(self, clause: str, reason: str) -> None:
        """A task of ``clause`` did not run to its end (budget, max time, stop): its evidence
        is partial, so the clause cannot pass."""
        with self._lock:
            if clause in self.results and not self._frozen:
                self.incomplete.setdefault(clause, reason)

    def spent(self, clause: str, requests: int, seconds: float) -> None:
        with self._lock:
            result = self.results.get(clause)
            if result is not None and not self._frozen:
                result.requests += requests
                result.busy_seconds += seconds

    def finish(self, required: int = 1, *, shard: str | None = None) -> list[ClauseResult]:
        """Final verdicts. fail: a judged check failed. n/a: out of the declared scope. pass: at
        least ``required`` checks judged (capped per clause) and nothing cut short. Else not
        judged, with the reasons.

        ``shard`` ("K/N"): this run is one slice of a whole; the minimum is the whole run's,
        enforced when the shards are merged, so a slice passes on any judged check, and a
        clause nothing in this slice tried is n/a here (the merge needs another slice to judge
        it)."""
        with self._lock:
            self._frozen = True
            by_id = self._clauses
            for result in self.results.values():
                result.failures.sort(key=lambda f: -f.count)
                result.required = max(1, min(required, by_id[result.id].most_checks))
                enough = 1 if shard else result.required
                if result.failed:
                    result.status = FAIL
                elif result.id in self.not_applicable:
                    result.status = NOT_APPLICABLE
                    result.notes.insert(0, self.not_applicable[result.id])
                elif result.id in self.incomplete:
                    result.status = NOT_JUDGED
                    result.incomplete = self.incomplete[result.id]
                    result.notes.insert(0, f"not fully checked: {result.incomplete}")
                elif result.checks >= enough:
                    result.status = PASS
                elif shard and not result.checks and not result.unjudged:
                    result.status = NOT_APPLICABLE
                    result.notes.insert(0, f"{NO_TASK_IN_SHARD} {shard}")
                else:
                    result.status = NOT_JUDGED
                    result.notes.insert(
                        0, f"{result.checks} checks judged (at least {enough} needed)"
                    )
            return list(self.results.values())


SHARED_REPLIES = "shared"
SHARED_LEGEND = "requests `shared`: judged on the replies to other clauses' requests"


def requests_cell(result: ClauseResult) -> str:
    """The requests a clause sent, or `shared` when its checks read other clauses' replies."""
    return SHARED_REPLIES if result.requests == 0 and result.checks else str(result.requests)


def reasons(result: ClauseResult) -> list[str]:
    """Why checks of a clause were not judged, most frequent first."""
    ordered = sorted(result.unjudged.items(), key=lambda item: -item[1])
    return [f"{reason} ({count})" for reason, count in ordered]
