"""`vlmspec conform` against hostile servers: a clear failed verdict, bounded time and memory."""

from __future__ import annotations

import re
import sys

import pytest

from tests.servers import HOSTILE, TOKEN, run_measured, running_server

# What the verdict must say about each server (a regex, matched case-insensitively).
PROBLEM = {
    "hang": r"unreachable|no answer|timed? ?out|timeout",
    "hang-chat": r"no answer within|timed? ?out|timeout|stopped answering",
    "garbage": r"unreachable|not http|invalid|malformed|protocol",
    "garbage-chat": r"not http|invalid|malformed|protocol|garbage",
    "cut-stream": r"incomplete|cut|closed|ended|peer|truncat|\[DONE\]",
    "stream-forever": r"timed? ?out|timeout|too (large|long)|exceed|never end",
    "huge-body": r"too large|exceed|limit|bytes|timed? ?out|timeout",
    "drip": r"timed? ?out|timeout|no answer|slow",
}
REQUEST_TIMEOUT = 2.0
SAFETY_NET = 240.0  # seconds: only so a wedged run fails the test instead of hanging CI
MAX_RSS_MB = 500.0


def test_every_hostile_server_has_an_expected_problem() -> None:
    assert set(PROBLEM) == set(HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_conform_survives_hostile_server(name: str) -> None:
    with running_server(["--hostile", name]) as root:
        command = [sys.executable, "-m", "vlmspec", "conform", "--base-url", f"{root}/v1/openai"]
        command += ["--token", TOKEN, "--profile", "smoke", "--timeout", str(REQUEST_TIMEOUT)]
        result = run_measured(command, timeout=SAFETY_NET)
    output = result.stdout + result.stderr
    assert not result.timed_out, f"conform still running after {SAFETY_NET}s:\n{output[-3000:]}"
    # 1: not conformant; 2: unreachable (a server that never speaks HTTP on the health probe).
    expected = {1, 2} if not HOSTILE[name].health_ok else {1}
    assert result.exit_code in expected, output[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert re.search(PROBLEM[name], output, re.IGNORECASE), output[-3000:]
    assert result.peak_rss_mb < MAX_RSS_MB, f"peak RSS {result.peak_rss_mb:.0f} MB"
