"""`vlmspec conform` against hostile servers: a clear failed verdict, bounded time and memory,
and no secret in any output however the server disguises it."""

from __future__ import annotations

import base64
import re
import sys
import urllib.parse
from pathlib import Path

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
    "gzip-bomb": r"exceeds 4194304 bytes",
    "sse-flood": r"stream exceeds 10000 events",
    "deep-json": r"JSON nested deeper than 100 levels",
    "echo-token": r"undocumented status 400",
    # slow, never hung: the timeout names the limit, the latency of a small request, the flag
    "slow": r"exceeded --timeout 2 s \(a 16-token request took \d+(\.\d+)? s; raise --timeout",
}
REQUEST_TIMEOUT = 2.0
# A smoke run against a server that stalls every request must stop well within this (the
# per-request --timeout is 2s and the suite gives up after a few timeouts in a row); it is also
# the safety net that keeps a wedged run from hanging CI.
BOUND = 120.0
MAX_RSS_MB = 300.0
CANARY = "canary-Zq7xW2pL9vK4mN8r"


def test_every_hostile_server_has_an_expected_problem() -> None:
    assert set(PROBLEM) == set(HOSTILE)


def _conform(name: str, token: str, *extra: str) -> tuple[int, str, float, float]:
    with running_server(["--hostile", name]) as root:
        command = [sys.executable, "-m", "vlmspec", "conform", "--base-url", f"{root}/v1/openai"]
        command += ["--token", token, "--profile", "smoke", "--timeout", str(REQUEST_TIMEOUT)]
        result = run_measured([*command, *extra], timeout=BOUND)
    output = result.stdout + result.stderr
    assert not result.timed_out, f"conform still running after {BOUND:g}s:\n{output[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.peak_rss_mb < MAX_RSS_MB, f"peak RSS {result.peak_rss_mb:.0f} MB"
    print(f"{name}: exit {result.exit_code}, {result.seconds:.1f} s, {result.peak_rss_mb:.0f} MB")
    return result.exit_code, output, result.seconds, result.peak_rss_mb


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - {"echo-token"}))
def test_conform_survives_hostile_server(name: str) -> None:
    code, output, _, _ = _conform(name, TOKEN)
    # 1: not conformant; 2: unreachable (a server that never speaks HTTP on the health probe).
    expected = {1, 2} if not HOSTILE[name].health_ok else {1}
    assert code in expected, output[-3000:]
    assert re.search(PROBLEM[name], output, re.IGNORECASE), output[-3000:]
    assert "hangs" not in output


def _skeleton(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def test_a_token_echoed_in_disguise_reaches_no_output(tmp_path: Path) -> None:
    reports = ["--report-dir", str(tmp_path / "out"), "--junit", str(tmp_path / "junit.xml")]
    code, output, _, _ = _conform("echo-token", CANARY, *reports)
    assert code == 1, output[-3000:]
    assert re.search(PROBLEM["echo-token"], output), output[-3000:]
    files = [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 3
    for text in [output, *files]:
        flat = _skeleton(text)
        assert _skeleton(CANARY) not in flat and _skeleton(CANARY[::-1]) not in flat
        assert base64.b64encode(f"Bearer {CANARY}".encode()).decode()[12:] not in text
        assert urllib.parse.quote(CANARY, safe="") not in text
        # split across stream chunks: no piece of 8 or more characters of it survives
        assert not any(_skeleton(CANARY)[i : i + 8] in flat for i in range(len(CANARY) - 8))
