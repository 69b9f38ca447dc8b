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
    # Interrupt once generation has begun (its progress line for a large input), not after a
    # fixed sleep: on a loaded machine that could fall before Python's own SIGINT handler exists.
    assert process.stderr is not None
    first = process.stderr.readline()
    assert "vlmspec: generating from" in first, first
    time.sleep(0.5)
    assert process.poll() is None, "generate finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    err = first + rest
    assert process.returncode == 130, err
    assert "vlmspec: interrupted" in err and "Aborted!" not in err
    assert not out.exists() or not any(out.iterdir())  # atomic: nothing half-written


def test_an_interrupt_the_generator_wraps_is_still_an_interrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C while datamodel-code-generator creates its classes reaches us as a RuntimeError
    ("Error calling __set_name__"); it was reported as a spec error, exit 2, not 130."""
    import datamodel_code_generator

    from vlmspec.codegen import _models

    def interrupted(*args: object, **kwargs: object) -> str:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'PydanticDescriptorProxy'") from exc

    monkeypatch.setattr(datamodel_code_generator, "generate", interrupted)  # imported on use
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": {"A": {"type": "string"}}}
    with pytest.raises(KeyboardInterrupt):
        _models.render_models(document, "spec.yaml")
