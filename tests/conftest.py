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
