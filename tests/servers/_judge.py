"""Run `vlmspec conform` on a second-set server and compare its verdict with the expected one.

Written to read both today's report (clause status pass/fail/skip, exit 0/1) and the
earned-verdict engine's (a third run verdict, clauses "not judged"): a clause counts as judged
only when its status is exactly "pass" or "fail"; anything else is not judged.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._process import ROOT, TOKEN, RunResult, run_measured, running_server
from .variations import NEW_FAULTS, VARIATIONS, NewFault, Target

__all__ = ["Judgement", "expected_text", "judge", "outcome", "second_set_args", "supports"]

MAX_REQUESTS = 300


@dataclass(frozen=True)
class Judgement:
    """What one conform run said about each clause, and what it cost."""

    exit_code: int
    statuses: dict[str, str]
    verdict: str | None
    requests: int | None
    wall_seconds: float
    run: RunResult
    messages: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(c for c, s in self.statuses.items() if s == "fail")

    def explain(self) -> str:
        output = self.run.stdout[-3000:] + self.run.stderr[-2000:]
        return f"exit {self.exit_code}, verdict {self.verdict}, clauses {self.statuses}:\n{output}"


def second_set_args(name: str) -> list[str]:
    """``python -m tests.servers`` arguments for a variation or a new fault."""
    return ["--variation", name] if name in VARIATIONS else ["--fault", name]


@functools.cache
def supports(flag: str) -> bool:
    """Whether this engine's `vlmspec conform --help` lists ``flag`` (e.g. ``--target``)."""
    command = [sys.executable, "-m", "vlmspec", "conform", "--help"]
    found = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    return flag in found.stdout


def judge(name: str, *, target: Target = "vlmrun", timeout: float = 300) -> Judgement:
    """Start server ``name`` and run `conform --profile smoke` against it."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as reports, running_server(second_set_args(name)) as root:
        command = [sys.executable, "-m", "vlmspec", "conform", "--profile", "smoke"]
        command += ["--max-requests", str(MAX_REQUESTS), "--report-dir", reports]
        # the servers wrap the deterministic reference: streams must match replies
        command += ["--base-url", f"{root}/v1/openai", "--token", TOKEN, "--deterministic"]
        if target != "vlmrun":
            command += ["--target", target]  # exit 2 on an engine without the flag
        run = run_measured(command, timeout)
        report = Path(reports) / "report.json"
        data = json.loads(report.read_text()) if report.is_file() else {}
    clauses = data.get("clauses", [])
    statuses = {c["id"]: str(c.get("status")) for c in clauses}
    messages = {
        c["id"]: [str(f.get("message", "")) for f in c.get("failures", [])]
        for c in clauses
        if c.get("failures")
    }
    # the earned-verdict engine's run verdict, whatever its key; today's report has a boolean
    verdict = next((v for v in data.values() if isinstance(v, str) and "conformant" in v), None)
    verdict = data.get("verdict", verdict)
    if any(isinstance(v, str) and v.lower() == "inconclusive" for v in data.values()):
        verdict = "inconclusive"
    if verdict is None and "conformant" in data:
        verdict = "conformant" if data["conformant"] else "not conformant"
    wall = time.monotonic() - started
    return Judgement(
        run.exit_code, statuses, verdict, data.get("requests"), wall, run, messages=messages
    )


def expected_text(name: str, target: Target = "vlmrun") -> str:
    """The verdict a correct suite gives on ``name``, in words."""
    fault = NEW_FAULTS.get(name)
    if fault is None or target in fault.legit_under:
        return "conformant"
    if fault.expect == "not-judged":
        return f"inconclusive: {fault.clause} not judged"
    return f"not conformant: {' or '.join(fault.clauses)} fails"


def outcome(name: str, judgement: Judgement, target: Target = "vlmrun") -> str:
    """How the suite did: "right", "false alarm", "missed", "wrong clause", "false pass" or
    "error" (no verdict at all: exit 2/3, or no report)."""
    if judgement.exit_code not in (0, 1) and not _inconclusive(judgement):
        return "error"
    fault: NewFault | None = NEW_FAULTS.get(name)
    if fault is None or target in fault.legit_under:
        return "right" if judgement.exit_code == 0 else "false alarm"
    if fault.expect == "not-judged":
        status = judgement.statuses.get(fault.clause)
        if status == "pass" or judgement.exit_code == 0:
            return "false pass"
        return "right" if status != "fail" else "wrong: failed, not 'not judged'"
    if judgement.exit_code == 0:
        return "missed"
    return "right" if set(fault.clauses) & set(judgement.failed) else "wrong clause"


def _inconclusive(judgement: Judgement) -> bool:
    return bool(judgement.verdict) and "inconclusive" in str(judgement.verdict).lower()
