"""`vlmspec conform` against hostile servers: a clear failed verdict, bounded time and memory."""

from __future__ import annotations

import re
import sys

import pytest

from tests.servers import HOSTILE, TOKEN, run_measured, running_server

# What the verdict must say about each server (a regex, matched case-insensitively).
PROBLEM = {
    "hang": r"no answer within|stopped answering|unreachable",
    "hang-chat": r"no answer within|stopped answering",
    "garbage": r"malformed HTTP response|unreachable",
    "garbage-chat": r"malformed HTTP response",
    "cut-stream": r"incomplete|peer closed",
    "stream-forever": r"not complete within|stopped answering",
    "huge-body": r"exceeds \d+ bytes",
    "drip": r"no answer within|not complete within|stopped answering",
}
REQUEST_TIMEOUT = 2.0
# A smoke run against a server that stalls every request must stop well within this (the
# per-request --timeout is 2s and the suite gives up after a few timeouts in a row); it is also
# the safety net that keeps a wedged run from hanging CI.
BOUND = 60.0
MAX_RSS_MB = 500.0


def test_every_hostile_server_has_an_expected_problem() -> None:
    assert set(PROBLEM) == set(HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_conform_survives_hostile_server(name: str) -> None:
    with running_server(["--hostile", name]) as root:
        command = [sys.executable, "-m", "vlmspec", "conform", "--base-url", f"{root}/v1/openai"]
        command += ["--token", TOKEN, "--profile", "smoke", "--timeout", str(REQUEST_TIMEOUT)]
        result = run_measured(command, timeout=BOUND)
    output = result.stdout + result.stderr
    assert not result.timed_out, f"conform still running after {BOUND:g}s:\n{output[-3000:]}"
    # 1: not conformant; 2: unreachable (a server that never speaks HTTP on the health probe).
    expected = {1, 2} if not HOSTILE[name].health_ok else {1}
    assert result.exit_code in expected, output[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert re.search(PROBLEM[name], output, re.IGNORECASE), output[-3000:]
    assert result.peak_rss_mb < MAX_RSS_MB, f"peak RSS {result.peak_rss_mb:.0f} MB"
