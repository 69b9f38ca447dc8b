"""`vlmspec diff`: exit codes, the three formats, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vlmspec.cli import cli
from vlmspec.codegen import DIFF_RULES

ROOT = Path(__file__).resolve().parents[1]
V001 = ROOT / "tests" / "fixtures" / "diff" / "v001.yaml"
V002 = ROOT / "tests" / "fixtures" / "diff" / "v002.yaml"


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def test_safe_evolution_exits_0() -> None:
    result = _run(V001, V002)
    assert result.exit_code == 0, result.output
    assert "0 breaking, 3 safe changes" in result.stdout
    assert "vlmrun-orion-1:lite" in result.stdout


def test_breaking_evolution_exits_1_and_lists_breaking_first() -> None:
    result = _run(V002, V001)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("1 breaking, 2 safe changes")
    assert lines.index("BREAKING (1)") < lines.index("SAFE (2)")
    assert "[request-enum-value-removed]" in result.stdout


def test_identical_specs_exit_0_with_no_changes() -> None:
    result = _run(V001, V001)
    assert (result.exit_code, result.stdout.strip()) == (0, f"{V001} → {V001}: no changes")


def test_json_is_stable_and_complete() -> None:
    first, second = _run(V002, V001, "--format", "json"), _run(V002, V001, "--format", "json")
    assert first.exit_code == 1
    assert first.stdout == second.stdout
    payload = json.loads(first.stdout)
    assert list(payload) == sorted(payload)
    assert payload["breaking"] is True
    assert payload["summary"] == {"breaking": 1, "accepted": 0, "safe": 2}
    assert payload["stale_accepted"] == []
    assert [c["severity"] for c in payload["changes"]] == ["breaking", "safe", "safe"]
    for change in payload["changes"]:
        assert set(change) == {
            "rule",
            "severity",
            "accepted",
            "operation",
            "operationId",
            "part",
            "path",
            "message",
        }
        assert DIFF_RULES[change["rule"]].severity == change["severity"]
        assert change["operation"] == "POST /v1/openai/chat/completions"


def test_markdown_is_a_table_row_per_change() -> None:
    result = _run(V001, V002, "--format", "markdown")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "### API diff: no breaking changes (0 breaking, 3 safe changes)"
    rows = [line for line in lines if line.startswith("| safe")]
    assert len(rows) == 3
    assert all(row.count(" | ") == 4 for row in rows)
    assert "| safe | `request-enum-value-added` |" in result.stdout


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot read file: no such file"),
        ("openapi: 3.1.0\npaths: [unclosed\n", "malformed YAML"),
        ("swagger: '2.0'\npaths: {}\n", "not an OpenAPI 3.x document: no `openapi` field"),
        ("- a\n- b\n", "not a mapping: the top level is list"),
        ("openapi: 3.1.0\npaths: []\n", "invalid OpenAPI document: `paths` is not a mapping"),
        (
            "openapi: 3.1.0\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/nope'}\n",
            "unresolvable $ref: #/nope",
        ),
        ("openapi: 3.1.0\na: 1\na: 2\n", "duplicate key 'a'"),
    ],
    ids=["missing", "malformed", "swagger2", "list", "paths-list", "bad-ref", "dup-key"],
)
def test_bad_input_exits_2_on_one_line(tmp_path: Path, text: str | None, expected: str) -> None:
    bad = tmp_path / "bad.yaml"
    if text is not None:
        _write(bad, text)
    for args in ((bad, V001), (V001, bad)):
        result = _run(*args)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith(f"vlmspec: error: {bad}")
        assert expected in result.stderr
        assert result.stderr.count("\n") == 1


def test_unknown_format_is_a_usage_error() -> None:
    result = _run(V001, V002, "--format", "html")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """Through a real process: exit code and a one-line error, no traceback."""
    run = [sys.executable, "-m", "vlmspec", "diff"]
    ok = subprocess.run([*run, str(V001), str(V002)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    broken = _write(tmp_path / "broken.yaml", "openapi: [\n")
    bad = subprocess.run(
        [*run, str(broken), str(V002)], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("vlmspec: error: ") and bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr
