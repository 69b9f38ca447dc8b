"""Fuzzing the running reference server over HTTP: whatever arrives, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._refserver import RunningServer

KEY = "fuzz-key"
SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text())
_DEFS = json.loads(
    json.dumps(SPEC["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/")
)
REQUEST = _DEFS["AgentChatCompletionsRequest"]
# Schemathesis' generator: hypothesis-jsonschema 0.23 breaks on objects with current Hypothesis.
_OPERATION = schemathesis.openapi.from_path(SPEC_PATH)["/v1/openai/chat/completions"]["POST"]
EXAMPLES = [
    e["value"]
    for e in SPEC["paths"]["/v1/openai/chat/completions"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"].values()
]

_json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_keys = st.sampled_from([*sorted(REQUEST["properties"]), "vlmrun", "stream_options", "extra"])


@st.composite
def _mutated(draw: st.DrawFn) -> Any:
    body = json.loads(json.dumps(draw(st.sampled_from(EXAMPLES))))
    for _ in range(draw(st.integers(1, 3))):
        body[draw(_keys)] = draw(_json)
    return body


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    server = RunningServer(api_keys=[KEY])
    with httpx.Client(base_url=server.openai_base, headers={"Authorization": f"Bearer {KEY}"}) as c:
        yield c
    assert server.stop() == 0


def _post(http: httpx.Client, content: bytes) -> int:
    response = http.post(
        "/chat/completions", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code < 500, (content[:500], response.text[:500])
    assert response.status_code in (201, 413, 422), response.text[:500]
    return response.status_code


_FUZZ = settings(
    max_examples=600,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


# 300 + 600 + 600 bodies; schemathesis' valid bodies are the slowest to draw.
@settings(_FUZZ, max_examples=300)
@given(case=_OPERATION.as_strategy())
def test_valid_bodies_are_served(http: httpx.Client, case: Any) -> None:
    body = case.body
    body["stream"] = False  # streams are checked elsewhere; keep each case one response
    status = _post(http, json.dumps(body).encode())
    assert status in (201, 422)  # 422 only for a semantically bad skill bundle or schema


@_FUZZ
@given(body=_mutated())
def test_mutated_bodies_never_5xx(http: httpx.Client, body: Any) -> None:
    _post(http, json.dumps(body, allow_nan=True).encode())


@_FUZZ
@given(raw=st.binary(max_size=200) | _json.map(lambda v: json.dumps(v, allow_nan=True).encode()))
def test_garbage_never_5xx(http: httpx.Client, raw: bytes) -> None:
    assert _post(http, raw) in (413, 422)
