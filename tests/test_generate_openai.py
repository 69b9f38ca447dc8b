"""Generality: OpenAI's own spec (1,400+ schemas) generates, and the package imports and works.

The spec ships gzipped under tests/golden/ (MIT, see openai-openapi.LICENSE). Takes about a
minute of CPU, hence `slow`; generated once (tests/conftest.py) for this and test_corpus.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import OPENAI_GROUP, OpenAIGenerated

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
@OPENAI_GROUP
def test_openai_spec_generates_and_imports(openai_generated: OpenAIGenerated) -> None:
    done, out = openai_generated.done, openai_generated.out
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "__init__.py",
        "client.py",
        "models.py",
        "server.py",
    ]
    imported = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=out.parent, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == ["ok", "2", "True", "True"]
