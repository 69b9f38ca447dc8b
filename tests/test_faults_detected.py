"""The regression net of the conformance suite: every faulty server fails its clause on the smoke
profile, and the reference server passes."""

from __future__ import annotations

import pytest

from tests.servers import FAULTS, Verdict, conform, server_args

# One per family of clauses; the full sweep is marked slow (nox -s tests runs it all).
REPRESENTATIVE = {
    "missing-usage",
    "stream-no-done",
    "stream-id-changes",
    "n-ignored",
    "schema-strict-violation",
    "422-wrong-loc",
    "bad-token-as-guest",
    "rejects-flex-tier",
}


def _explain(verdict: Verdict) -> str:
    output = verdict.run.stdout[-3000:] + verdict.run.stderr[-2000:]
    return f"exit {verdict.exit_code}, failed {verdict.failed}:\n{output}"


def _params() -> list[object]:
    slow = pytest.mark.slow
    return [pytest.param(n, marks=() if n in REPRESENTATIVE else slow) for n in sorted(FAULTS)]


@pytest.mark.parametrize("name", _params())
def test_fault_is_detected_on_its_clause(name: str) -> None:
    verdict = conform(server_args(name))
    assert "Traceback" not in verdict.run.stderr, verdict.run.stderr[-3000:]
    assert verdict.exit_code == 1, _explain(verdict)
    assert FAULTS[name].clause in verdict.failed, _explain(verdict)


def test_reference_server_passes() -> None:
    verdict = conform(server_args(None))
    assert verdict.exit_code == 0, _explain(verdict)
    assert verdict.requests is not None and verdict.requests > 0


def test_reference_behind_passthrough_passes() -> None:
    # The buffering middleware itself must not make a correct server look faulty.
    verdict = conform(["--passthrough"])
    assert verdict.exit_code == 0, _explain(verdict)
