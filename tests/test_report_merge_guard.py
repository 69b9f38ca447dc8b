"""`vlmspec report merge` refuses reports that are not the shards of one run (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vlmspec.cli import cli


def _shard(tmp_path: Path, name: str, **fields: Any) -> Path:
    report = {
        "base_url": "http://127.0.0.1:8000/v1/openai",
        "profile": "smoke",
        "seed": 0,
        "shard": [1, 2],
        "clauses": [],
        **fields,
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(report))
    return path


@pytest.mark.parametrize(
    ("second", "words"),
    [
        ({"shard": [2, 2], "base_url": "http://other:1/v1/openai"}, "base_url"),
        ({"shard": [2, 2], "seed": 5}, "seed"),
        ({"shard": [1, 2]}, "are both shard 1/2"),
        ({"shard": [1, 1]}, "split the run differently"),
    ],
)
def test_reports_of_different_runs_are_not_merged(
    tmp_path: Path, second: dict[str, Any], words: str
) -> None:
    one = _shard(tmp_path, "one")
    two = _shard(tmp_path, "two", **second)
    out = tmp_path / "merged.json"
    result = CliRunner().invoke(cli, ["report", "merge", str(one), str(two), "--json", str(out)])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists()
