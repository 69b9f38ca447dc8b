"""Fixtures shared by several test modules (one expensive result, many assertions)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPENAI_GZ = ROOT / "tests" / "golden" / "openai-openapi.yaml.gz"
# The tests that read `openai_generated` carry this group, so one xdist worker generates it once.
OPENAI_GROUP = pytest.mark.xdist_group("openai-spec")


@dataclass(frozen=True)
class OpenAIGenerated:
    spec: Path
    out: Path  # the generated package; its parent is where it imports from
    done: subprocess.CompletedProcess[str]


def pytest_configure(config: pytest.Config) -> None:
    """Refuse `--dist loadgroup` where it cannot group: pytest-xdist 3.8 groups by rewriting
    `item._nodeid`, which pytest 9.2 no longer reads, so each group's expensive fixture (a
    generated spec) would silently be built once per worker, doubling CI time."""
    grouping = config.getoption("dist", default="no") == "loadgroup"
    if grouping and not hasattr(pytest.Item, "_nodeid"):
        raise pytest.UsageError(
            "--dist loadgroup does not group with this pytest and pytest-xdist (pyproject pins"
            " pytest<9.2): reinstall with `pip install -e .[dev]`"
        )


@pytest.fixture(scope="session")
def openai_generated(tmp_path_factory: pytest.TempPathFactory) -> OpenAIGenerated:
    """`python -m vlmspec generate` on OpenAI's spec (1,400 schemas, half a minute of CPU), once
    for test_generate_openai.py (imports) and test_corpus.py (ruff, mypy --strict)."""
    root = tmp_path_factory.mktemp("openai")
    spec = root / "openai-openapi.yaml"
    spec.write_bytes(gzip.decompress(OPENAI_GZ.read_bytes()))
    out = root / "openai_api"
    done = subprocess.run(
        [sys.executable, "-m", "vlmspec", "generate", "--spec", str(spec), "--out", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return OpenAIGenerated(spec, out, done)
