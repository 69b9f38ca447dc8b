"""Generality: OpenAI's own spec (1,400+ schemas) generates, and the package imports and works.

The spec ships gzipped under tests/golden/ (MIT, see openai-openapi.LICENSE). Takes about a
minute of CPU, hence `slow`.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC_GZ = ROOT / "tests" / "golden" / "openai-openapi.yaml.gz"
PROBE = """
import pydantic
import openai_api.models as m, openai_api.server as server, openai_api.client as client
body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "n": 2.0}
request = m.CreateChatCompletionRequest.model_validate(body)
try:
    m.CreateChatCompletionRequest.model_validate({**body, "n": "2"})
except pydantic.ValidationError:
    print("ok", request.n, hasattr(server, "create_app"), hasattr(client, "Client"))
"""


@pytest.mark.slow
def test_openai_spec_generates_and_imports(tmp_path: Path) -> None:
    spec = tmp_path / "openai-openapi.yaml"
    spec.write_bytes(gzip.decompress(SPEC_GZ.read_bytes()))
    out = tmp_path / "openai_api"
    done = subprocess.run(
        [sys.executable, "-m", "vlmspec", "generate", "--spec", str(spec), "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "__init__.py",
        "client.py",
        "models.py",
        "server.py",
    ]
    imported = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == ["ok", "2", "True", "True"]
