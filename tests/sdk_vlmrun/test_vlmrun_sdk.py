"""The official `vlmrun` SDK, unmodified, against the reference server (own virtualenv)."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from vlmrun.client import VLMRun  # type: ignore[import-not-found, unused-ignore]

from tests._refserver import RunningServer, serving

KEY = "vlmrun-key"
MESSAGES = [{"role": "user", "content": "Who are you and what can you do?"}]


def _skill() -> dict[str, Any]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("SKILL.md", "---\nname: csv-insights\n---\nSummarize CSV files.\n")
    data = base64.b64encode(buffer.getvalue()).decode()
    return {"type": "inline", "name": "csv-insights", "source": {"type": "base64", "data": data}}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serving([KEY]) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Any:
    return VLMRun(api_key=KEY, base_url=f"{server.root}/v1")


def test_completion(client: Any) -> None:
    response = client.agent.completions.create(
        model="vlmrun-orion-1:auto", messages=MESSAGES, temperature=0
    )
    assert response.model == "vlmrun-orion-1:auto"
    assert "Who are you and what can you do?" in response.choices[0].message.content
    usage = response.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_streaming_matches(client: Any) -> None:
    plain = client.agent.completions.create(model="vlmrun-orion-1:auto", messages=MESSAGES)
    stream = client.agent.completions.create(
        model="vlmrun-orion-1:auto", messages=MESSAGES, stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_vendor_keywords(client: Any) -> None:
    response = client.agent.completions.create(
        model="vlmrun-orion-2:auto",
        messages=MESSAGES,
        toolsets=["core", "image"],
        models=["meta-sam3"],
        skills=[_skill(), {"type": "skill_reference", "skill_id": "pillow"}],
    )
    assert "Skills: csv-insights, pillow." in response.choices[0].message.content


def test_wrong_key(server: RunningServer) -> None:
    sdk = VLMRun(api_key="wrong", base_url=f"{server.root}/v1")
    with pytest.raises(openai.AuthenticationError):
        sdk.agent.completions.create(model="vlmrun-orion-1:auto", messages=MESSAGES)
