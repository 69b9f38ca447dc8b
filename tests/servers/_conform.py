"""Run `vlmspec conform` against a test server and read its verdict from report.json."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ._process import TOKEN, RunResult, run_measured, running_server

__all__ = ["Verdict", "conform", "server_args"]


@dataclass(frozen=True)
class Verdict:
    """What one conform run said, and what it cost."""

    exit_code: int
    failed: tuple[str, ...]
    messages: dict[str, list[str]]
    requests: int | None
    wall_seconds: float
    run: RunResult
    reported: bool

    @property
    def detected(self) -> bool:
        """True when conform's verdict is "not conformant" (exit 1)."""
        return self.exit_code == 1


def server_args(name: str | None) -> list[str]:
    """``python -m tests.servers`` arguments: a fault name, or None for the reference server."""
    return ["--clean"] if name is None else ["--fault", name]


def conform(
    server: Sequence[str] | None,
    *,
    profile: str = "smoke",
    extra: Sequence[str] = (),
    timeout: float = 300,
) -> Verdict:
    """Start ``server`` (None: conform's own embedded reference server) and judge it."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as reports:
        command = [sys.executable, "-m", "vlmspec", "conform", "--profile", profile]
        command += ["--report-dir", reports, *extra]
        if server is None:
            run = run_measured(command, timeout)
        else:
            with running_server(server) as root:
                base = f"{root}/v1/openai"
                # the test servers wrap the deterministic reference: streams must match replies
                command += ["--base-url", base, "--token", TOKEN, "--deterministic"]
                run = run_measured(command, timeout)
        wall = time.monotonic() - started
        report = Path(reports) / "report.json"
        data = json.loads(report.read_text()) if report.is_file() else {}
    clauses = data.get("clauses", [])
    failed = tuple(c["id"] for c in clauses if c.get("status") == "fail")
    messages = {
        c["id"]: [f.get("message", "") for f in c.get("failures", [])]
        for c in clauses
        if c.get("status") == "fail"
    }
    return Verdict(run.exit_code, failed, messages, data.get("requests"), wall, run, bool(data))
