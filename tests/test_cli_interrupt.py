"""Ctrl-C is exit 130 for every command, never click's "Aborted!" and exit 1 (a verdict's code)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPENAI = ROOT / "tests" / "golden" / "openai-openapi.yaml.gz"


@pytest.mark.slow
def test_interrupting_generate_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    import gzip

    spec = tmp_path / "openai.yaml"
    spec.write_bytes(gzip.decompress(OPENAI.read_bytes()))  # seconds of work: time to interrupt
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "vlmspec", "generate", "--spec", str(spec), "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)
    assert process.poll() is None, "generate finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "vlmspec: interrupted" in err and "Aborted!" not in err
    assert not out.exists() or not any(out.iterdir())  # atomic: nothing half-written
