"""The clauses a server is judged on, and the thread-safe ledger of their verdicts."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CLAUSES", "Clause", "ClauseResult", "Failure", "Ledger", "clause_ids"]


@dataclass(frozen=True)
class Clause:
    """One named requirement with its own verdict row."""

    id: str
    title: str


CLAUSES = (
    Clause("health", 'GET /v1/health answers 200 {"status": "ok"}'),
    Clause("response-schema", "Every response: documented status, content type and schema"),
    Clause("stream-framing", "SSE framing, chunk schema, terminated by data: [DONE]"),
    Clause("stream-consistency", "One id across chunks, role first, one finish_reason per choice"),
    Clause("stream-equivalence", "Reassembled stream equals the non-stream reply (deterministic)"),
    Clause("n-choices", "Exactly n choices with indexes 0..n-1"),
    Clause("usage", "usage.total_tokens = prompt_tokens + completion_tokens"),
    Clause("response-format", "JSON content validates against the requested response_format"),
    Clause("validation-rejects", "Invalid bodies get 422 with a loc naming the broken field"),
    Clause("validation-accepts", "Valid bodies are accepted (or a documented limit/auth answer)"),
    Clause("auth-invalid-token", "An invalid bearer token gets 401, never guest service"),
    Clause("auth-anonymous", "Anonymous requests are served, or get the documented 401/429"),
    Clause("skills", "Skills: references and one-SKILL.md inline zips accepted, bad zips 422"),
    Clause("extensions", "toolsets, models, preview, service_tier, metadata, input_file, extras"),
    Clause("session-continuity", "Turns sharing a session_id all succeed"),
)


def clause_ids() -> list[str]:
    return [clause.id for clause in CLAUSES]


@dataclass
class Failure:
    """A failed check: what is wrong, how to reproduce it, and the run's seed."""

    message: str
    case: str
    curl: str | None = None
    response: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ClauseResult:
    """The verdict of one clause."""

    id: str
    title: str
    status: str = "skip"
    checks: int = 0
    failed: int = 0
    requests: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "failures"}
        data["failures"] = [failure.as_dict() for failure in self.failures]
        return data


_KEEP_FAILURES = 5


class Ledger:
    """Collects check outcomes per clause, from any worker thread."""

    def __init__(self, selected: list[str] | None = None) -> None:
        ids = selected or clause_ids()
        self.results = {c.id: ClauseResult(c.id, c.title) for c in CLAUSES if c.id in ids}
        self._lock = threading.Lock()

    def passed(self, clause: str) -> None:
        with self._lock:
            if clause in self.results:
                self.results[clause].checks += 1

    def failed(self, clause: str, failure: Failure) -> None:
        with self._lock:
            result = self.results.get(clause)
            if result is None:
                return
            result.checks += 1
            result.failed += 1
            if len(result.failures) < _KEEP_FAILURES and all(
                f.message != failure.message for f in result.failures
            ):
                result.failures.append(failure)

    def note(self, clause: str, text: str) -> None:
        with self._lock:
            result = self.results.get(clause)
            if result is not None and text not in result.notes:
                result.notes.append(text)

    def spent(self, clause: str, requests: int, seconds: float) -> None:
        with self._lock:
            result = self.results.get(clause)
            if result is not None:
                result.requests += requests
                result.seconds += seconds

    def finish(self) -> list[ClauseResult]:
        """Final verdicts: fail if any check failed, pass if any ran, else skip."""
        with self._lock:
            for result in self.results.values():
                if result.failed:
                    result.status = "fail"
                elif result.checks:
                    result.status = "pass"
                else:
                    result.status = "skip"
                    if not result.notes:
                        result.notes.append("no check of this clause ran")
            return list(self.results.values())
