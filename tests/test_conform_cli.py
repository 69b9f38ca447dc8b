"""`vlmspec conform` end to end against the fixture servers of tests/test_conform_servers.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance import merge_reports

ROOT = Path(__file__).resolve().parent.parent
CANARY = "canary-TOKEN-4f1d9b7e2c"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(fault: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    script = str(ROOT / "tests" / "test_conform_servers.py")
    process = subprocess.Popen(
        [sys.executable, script, str(port), CANARY, fault],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
            return process, f"http://127.0.0.1:{port}/v1/openai"
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("fixture server did not start")


@pytest.fixture(scope="module")
def good_server() -> Iterator[str]:
    process, url = _start("none")
    yield url
    process.kill()
    process.wait()


def conform(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VLMRUN_API_KEY": CANARY, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "vlmspec", "conform", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def test_correct_server_passes_with_reports_and_no_leak(good_server: str, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    done = conform(
        "--base-url",
        good_server,
        "--deterministic",
        "--report-dir",
        str(tmp_path / "out"),
        "--junit",
        str(tmp_path / "junit.xml"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["conformant"] is True
    assert {c["status"] for c in report["clauses"]} == {"pass"}
    assert report["requests"] <= 300
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()
    assert "vlmspec conform: conformant" in summary.read_text()
    outputs = [done.stdout, done.stderr] + [
        p.read_text() for p in tmp_path.rglob("*") if p.is_file()
    ]
    assert all(CANARY not in text for text in outputs)


@pytest.mark.parametrize(
    ("fault", "clause"),
    [
        ("usage", "usage"),
        ("n", "n-choices"),
        ("nodone", "stream-framing"),
        ("accept-invalid", "validation-rejects"),
        ("guest-token", "auth-invalid-token"),
        ("loc", "validation-rejects"),
        ("format", "response-format"),
        ("loc", "skills"),
    ],
)
def test_faulty_server_fails_the_right_clause(fault: str, clause: str, tmp_path: Path) -> None:
    process, url = _start(fault)
    try:
        done = conform("--base-url", url, "--clause", clause, "--report-dir", str(tmp_path))
    finally:
        process.kill()
        process.wait()
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    failed = {c["id"]: c for c in report["clauses"] if c["status"] == "fail"}
    assert clause in failed
    failure = failed[clause]["failures"][0]
    assert failure["curl"].startswith("curl ") and CANARY not in failure["curl"]
    assert CANARY not in done.stdout + json.dumps(report)


def test_hanging_server_fails_within_the_timeout(tmp_path: Path) -> None:
    process, url = _start("hang")
    try:
        done = conform("--base-url", url, "--timeout", "1", "--report-dir", str(tmp_path))
    finally:
        process.kill()
        process.wait()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert "server stopped answering" in (report["stopped"] or "")


@pytest.mark.parametrize(
    "args",
    [
        ["--base-url", "ftp://example.com/v1"],
        ["--base-url", "not a url"],
        ["--shard", "3/2"],
        ["--shard", "x"],
        ["--clause", "nope"],
        ["--base-url", "http://127.0.0.1:9/v1/openai"],
    ],
)
def test_usage_and_unreachable_errors_exit_2(args: list[str]) -> None:
    if args[0] == "--shard":
        args = ["--base-url", "http://127.0.0.1:9/v1", *args]
    done = conform(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") <= 1 and "Traceback" not in done.stderr


def test_max_requests_is_a_hard_cap(good_server: str, tmp_path: Path) -> None:
    done = conform("--base-url", good_server, "--max-requests", "20", "--report-dir", str(tmp_path))
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["requests"] <= 20
    assert "used up" in report["stopped"]
    assert done.returncode == 0
    assert any(c["status"] == "skip" for c in report["clauses"])


def test_shards_merge_into_the_whole_verdict(good_server: str, tmp_path: Path) -> None:
    reports = []
    for index in (1, 2):
        out = tmp_path / str(index)
        done = conform("--base-url", good_server, "--shard", f"{index}/2", "--report-dir", str(out))
        assert done.returncode == 0
        reports.append(json.loads((out / "report.json").read_text()))
    merged = merge_reports(reports)
    assert merged["conformant"] is True
    judged = {c["id"] for c in merged["clauses"] if c["status"] == "pass"}
    assert "stream-framing" in judged and "validation-rejects" in judged


def test_pytest_plugin_gives_the_same_verdicts(good_server: str) -> None:
    process, bad = _start("usage")
    try:
        results = []
        for url in (good_server, bad):
            results.append(
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pytest",
                        "-p",
                        "no:cacheprovider",
                        "-q",
                        "--pyargs",
                        "conformance",
                        "--base-url",
                        url,
                    ],
                    cwd=ROOT / "tests",
                    capture_output=True,
                    text=True,
                    env={**os.environ, "VLMRUN_API_KEY": CANARY},
                    timeout=300,
                )
            )
    finally:
        process.kill()
        process.wait()
    assert results[0].returncode == 0, results[0].stdout
    assert results[1].returncode == 1
    assert "test_clause[usage]" in results[1].stdout
