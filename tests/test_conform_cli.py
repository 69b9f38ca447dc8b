"""`vlmspec conform` end to end: the fixture servers of tests/conform_fixture_servers.py
(in-process, one per module) and the embedded reference server (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conform_fixture_servers import serving
from vlmspec.cli import cli
from vlmspec.conformance import merge_reports

ROOT = Path(__file__).resolve().parent.parent
CANARY = "canary-TOKEN-4f1d9b7e2c"


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    with serving(CANARY) as url:
        yield url


def base(root: str, fault: str | None = None) -> str:
    return f"{root}/v1/openai" if fault is None else f"{root}/f/{fault}/v1/openai"


def conform(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `vlmspec conform ARGS` in this process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        cli, ["conform", *args], env={"VLMRUN_API_KEY": CANARY, **(env or {})}
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def report(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "report.json").read_text())
    return data


def test_correct_server_passes_with_reports_and_no_leak(root: str, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    code, out, err = conform(
        "--base-url",
        base(root),
        "--deterministic",
        "--report-dir",
        str(tmp_path / "out"),
        "--junit",
        str(tmp_path / "junit.xml"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert code == 0, out + err
    data = report(tmp_path / "out")
    assert data["conformant"] is True and data["internal_errors"] == []
    assert {c["status"] for c in data["clauses"]} == {"pass"}
    assert data["requests"] <= 300
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()
    assert "vlmspec conform: conformant" in summary.read_text()
    # a clause judged only on other clauses' replies says so instead of "0 requests"
    schema_row = next(c for c in data["clauses"] if c["id"] == "response-schema")
    assert schema_row["requests"] == 0 and schema_row["checks"] > 0
    row = next(line for line in summary.read_text().splitlines() if "`response-schema`" in line)
    assert row.split("|")[6].strip() == "shared" and "other clauses' requests" in out
    outputs = [out, err] + [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    assert all(CANARY not in text for text in outputs)


@pytest.mark.parametrize(
    ("fault", "clause", "found_by"),
    [
        ("usage", "usage", ""),
        ("n", "n-choices", ""),
        ("nodone", "stream-framing", ""),
        ("accept-invalid", "validation-rejects", ""),
        ("guest-token", "auth-invalid-token", ""),
        ("loc", "validation-rejects", ""),
        ("loc", "skills", ""),
        ("format", "response-format", ""),
        # what no targeted probe reaches: only the seeded property cases find these
        ("n-cap", "n-choices", "property-n"),
        ("format-nested", "response-format", "property-format"),
        ("stream-drift", "stream-equivalence", "property-equivalence"),
        ("session-long", "session-continuity", "property-session"),
    ],
)
def test_faulty_server_fails_the_right_clause(
    root: str, fault: str, clause: str, found_by: str, tmp_path: Path
) -> None:
    code, out, err = conform(
        "--base-url",
        base(root, fault),
        "--clause",
        clause,
        "--deterministic",
        "--report-dir",
        str(tmp_path),
    )
    assert code == 1, out + err
    data = report(tmp_path)
    failed = {c["id"]: c for c in data["clauses"] if c["status"] == "fail"}
    assert clause in failed
    failures = failed[clause]["failures"]
    assert failures[0]["curl"].startswith("curl ") and CANARY not in failures[0]["curl"]
    assert all(failure["case"].startswith(found_by) for failure in failures)
    assert "(seed 0)" in failures[0]["case"]
    assert CANARY not in out + err + json.dumps(data)
    if fault in ("usage", "n"):  # probes and fuzz checks judge these: one fault, one signature
        assert len({failure["signature"] for failure in failures}) == 1, failures


def test_hanging_server_fails_within_the_timeout(root: str, tmp_path: Path) -> None:
    code, _, err = conform(
        "--base-url", base(root, "hang"), "--timeout", "1", "--report-dir", str(tmp_path)
    )
    assert code == 1
    assert "Traceback" not in err
    data = report(tmp_path)
    assert "server stopped answering" in (data["stopped"] or "")
    # a timeout names the limit and the flag to raise (a slow server is not a hung one)
    messages = [f["message"] for c in data["clauses"] for f in c["failures"]]
    assert any("--timeout 1 s" in m and "raise --timeout" in m for m in messages), messages


@pytest.mark.parametrize(
    "args",
    [
        ["--base-url", "ftp://example.com/v1"],
        ["--base-url", "not a url"],
        ["--base-url", "http://127.0.0.1:9/v1", "--shard", "3/2"],
        ["--base-url", "http://127.0.0.1:9/v1", "--shard", "x"],
        ["--clause", "nope"],
        ["--base-url", "http://127.0.0.1:9/v1/openai"],
    ],
)
def test_usage_and_unreachable_errors_exit_2(args: list[str]) -> None:
    code, _, err = conform(*args)
    assert code == 2, err
    assert err.startswith("vlmspec: error: ") and err.count("\n") <= 1


def test_an_unwritable_step_summary_warns_and_the_run_goes_on(root: str, tmp_path: Path) -> None:
    summary = tmp_path / "a-file" / "summary.md"  # under a file: never writable
    (tmp_path / "a-file").write_text("")
    code, _, err = conform(
        "--base-url",
        base(root),
        "--clause",
        "health",
        "--report-dir",
        str(tmp_path / "out"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert code == 0, err
    assert "warning: $GITHUB_STEP_SUMMARY" in err and "skipped" in err
    assert report(tmp_path / "out")["verdict"] == "conformant"


def test_max_requests_is_a_hard_cap(root: str, tmp_path: Path) -> None:
    code, _, _ = conform(
        "--base-url", base(root), "--max-requests", "20", "--report-dir", str(tmp_path)
    )
    data = report(tmp_path)
    assert data["requests"] <= 20
    assert "used up" in data["stopped"]
    # the clauses it cut short are not judged: inconclusive, exit 1
    assert code == 1 and data["verdict"] == "inconclusive"
    assert any(c["status"] == "not judged" for c in data["clauses"])


def test_shards_merge_into_the_whole_verdict(root: str, tmp_path: Path) -> None:
    reports = []
    for index in (1, 2):
        out = tmp_path / str(index)
        code, _, err = conform(
            "--base-url", base(root), "--shard", f"{index}/2", "--report-dir", str(out)
        )
        assert code == 0, err
        reports.append(report(out))
    merged = merge_reports(reports)
    assert merged["conformant"] is True
    judged = {c["id"] for c in merged["clauses"] if c["status"] == "pass"}
    assert {"stream-framing", "validation-rejects", "n-choices", "session-continuity"} <= judged


def test_a_seed_replays_the_same_failures(root: str, tmp_path: Path) -> None:
    failures = []
    for name in ("a", "b"):
        out = tmp_path / name
        code, _, _ = conform(
            "--base-url",
            base(root, "format-nested"),
            "--clause",
            "response-format",
            "--seed",
            "3",
            "--report-dir",
            str(out),
        )
        assert code == 1
        found = next(c["failures"] for c in report(out)["clauses"] if c["failures"])
        # the response carries a timestamp: the request and the verdict must be the same
        failures.append([(f["message"], f["case"], f["curl"]) for f in found])
    assert failures[0] == failures[1]


def _subprocess(*args: str, cwd: Path = ROOT) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VLMRUN_API_KEY": CANARY},
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def test_embedded_reference_server_is_conformant(tmp_path: Path) -> None:
    code, out, err = _finish(_subprocess("-m", "vlmspec", "conform", "--report-dir", str(tmp_path)))
    assert code == 0, out + err
    data = report(tmp_path)
    assert {c["status"] for c in data["clauses"]} == {"pass"}
    assert data["deterministic"] is True and data["requests"] <= 300
    assert "Traceback" not in err


def test_pytest_plugin_gives_the_same_verdicts(root: str) -> None:
    pytest_args = [
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "--pyargs",
        "vlmspec.conformance",
        # a loaded CI machine must not turn a slow reply into "not judged" (a failed test)
        "--vlmspec-timeout",
        "60",
    ]
    # both at once: each mostly waits on its server
    embedded = _subprocess(*pytest_args, cwd=ROOT / "tests")
    faulty = _subprocess(
        *pytest_args,
        "--vlmspec-base-url",
        base(root, "usage"),
        "--vlmspec-deterministic",
        "-k",
        "usage or stream-equivalence",  # only the selected clauses are checked
        cwd=ROOT / "tests",
    )
    (code, out, _), (bad_code, bad_out, _) = _finish(embedded), _finish(faulty)
    assert code == 0 and "15 passed" in out, out
    assert bad_code == 1, bad_out
    assert "test_clause[usage]" in bad_out, bad_out
    assert "1 failed, 1 passed, 13 deselected" in bad_out, bad_out
