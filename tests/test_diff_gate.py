"""Gating on `vlmspec diff`: --fail-on, accepted-changes files, stale entries, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vlmspec.cli import cli

ROOT = Path(__file__).resolve().parents[1]
V001 = ROOT / "tests" / "fixtures" / "diff" / "v001.yaml"
V002 = ROOT / "tests" / "fixtures" / "diff" / "v002.yaml"
UPSTREAM = ROOT / "spec" / "upstream" / "vlmrun-chat-completions.openapi.yaml"
BUNDLE = ROOT / "spec" / "openapi.yaml"
CHAT = "POST /v1/openai/chat/completions"

# The one deliberate narrowing of our bundle: `n` bounded to 1..128.
N_BOUND = f"""\
- rule: request-bound-tightened
  operation: {CHAT}
  part: request application/json
  path: $.n
  reason: the reference server bounds n (seed 003)
"""


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def _write(tmp_path: Path, text: str, name: str = "accepted.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fail_on_never_reports_but_exits_0() -> None:
    result = _run(V002, V001, "--fail-on", "never")
    assert result.exit_code == 0
    assert "1 breaking, 2 safe changes" in result.stdout
    assert _run(V002, V001, "--fail-on", "breaking").exit_code == 1


def test_accepted_narrowing_passes_review(tmp_path: Path) -> None:
    assert _run(UPSTREAM, BUNDLE).exit_code == 1
    result = _run(UPSTREAM, BUNDLE, "--accept", _write(tmp_path, N_BOUND))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    first = result.stdout.splitlines()[0]
    assert first.endswith(": 0 breaking, 2 accepted, " + first.rsplit(", ", 1)[1])
    assert "ACCEPTED (2)" in result.stdout and "BREAKING" not in result.stdout
    payload = json.loads(
        _run(UPSTREAM, BUNDLE, "--accept", tmp_path / "accepted.yaml", "--format", "json").stdout
    )
    assert payload["breaking"] is False
    assert payload["summary"]["accepted"] == 2
    assert {c["path"] for c in payload["changes"] if c["accepted"]} == {"$.n"}


def test_json_accept_file_and_omitted_path_match_any(tmp_path: Path) -> None:
    entries = [{"rule": "request-enum-value-removed", "operation": CHAT}]
    accept = _write(tmp_path, json.dumps(entries), "accepted.json")
    result = _run(V002, V001, "--accept", accept, "--format", "markdown")
    assert result.exit_code == 0
    assert "| accepted (breaking) | `request-enum-value-removed` |" in result.stdout
    assert result.stdout.startswith("### API diff: no unaccepted breaking changes")


def test_accepting_one_change_leaves_the_others_failing(tmp_path: Path) -> None:
    """Accepting the `n` bound must not let another narrowing through."""
    accept = _write(tmp_path, N_BOUND)
    result = _run(V002, V001, "--accept", accept)
    assert result.exit_code == 1
    assert "BREAKING (1)" in result.stdout


def test_stale_entry_is_a_warning(tmp_path: Path) -> None:
    accept = _write(tmp_path, N_BOUND)
    result = _run(V001, V002, "--accept", accept, "--format", "json")
    assert result.exit_code == 0
    warning = (
        f"vlmspec: warning: {accept}: entry 1 (request-bound-tightened at {CHAT} "
        "request application/json $.n) matches no change\n"
    )
    assert result.stderr == warning
    assert json.loads(result.stdout)["stale_accepted"] == [
        f"entry 1 (request-bound-tightened at {CHAT} request application/json $.n)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rule: x\n", "invalid accepted-changes file: the top level is dict"),
        ("- 3\n", "invalid accepted-changes entry: not a mapping"),
        ("- {rule: request-bound-tightened}\n", "`rule` and `operation` are required"),
        ("- {rule: nope, operation: GET /}\n", "unknown rule 'nope'"),
        ("- {rule: operation-removed, operation: GET /, why: x}\n", "unknown key 'why'"),
        ("- {rule: operation-removed, operation: 3}\n", "`operation` is not a string"),
        ("- [unclosed\n", "malformed YAML"),
    ],
)
def test_bad_accept_file_exits_2_on_one_line(tmp_path: Path, text: str, expected: str) -> None:
    accept = _write(tmp_path, text)
    result = _run(V001, V002, "--accept", accept)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"vlmspec: error: {accept}")
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1


def test_missing_accept_file_and_bad_fail_on_are_usage_errors(tmp_path: Path) -> None:
    missing = _run(V001, V002, "--accept", tmp_path / "none.yaml")
    assert (missing.exit_code, "cannot read file: no such file" in missing.stderr) == (2, True)
    assert _run(V001, V002, "--fail-on", "safe").exit_code == 2


def test_empty_accept_file_is_an_empty_list(tmp_path: Path) -> None:
    result = _run(V002, V001, "--accept", _write(tmp_path, ""))
    assert (result.exit_code, result.stderr) == (1, "")


def test_the_committed_accept_file_passes_our_bundle_against_upstream() -> None:
    """`spec/accepted-changes.yaml` accepts exactly the deliberate narrowing (the `n` bound)."""
    accepted = ROOT / "spec" / "accepted-changes.yaml"
    assert _run(UPSTREAM, BUNDLE).exit_code == 1
    result = _run(UPSTREAM, BUNDLE, "--accept", accepted, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert not report.get("stale_accepted")
