"""The reference server over real HTTP: every documented behaviour of the spec."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from tests._refserver import RunningServer, serving

KEY = "test-key"
SPEC = yaml.safe_load((Path(__file__).resolve().parents[1] / "spec" / "openapi.yaml").read_text())
OPERATION = SPEC["paths"]["/v1/openai/chat/completions"]["post"]
EXAMPLES = OPERATION["requestBody"]["content"]["application/json"]["examples"]
_DEFS = json.loads(
    json.dumps(SPEC["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/")
)


_VALIDATORS: dict[str, jsonschema.Draft202012Validator] = {}


def _check(instance: Any, name: str) -> None:
    if name not in _VALIDATORS:
        _VALIDATORS[name] = jsonschema.Draft202012Validator({**_DEFS[name], "$defs": _DEFS})
    _VALIDATORS[name].validate(instance)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serving([KEY]) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root, headers={"Authorization": f"Bearer {KEY}"}) as client:
        yield client


def _chat(http: httpx.Client, body: Any, **kwargs: Any) -> httpx.Response:
    return http.post("/v1/openai/chat/completions", json=body, **kwargs)


def _events(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("text/event-stream")
    return [
        line[len("data: ") :] for line in response.text.splitlines() if line.startswith("data: ")
    ]


def _streamed(
    http: httpx.Client, body: dict[str, Any]
) -> tuple[dict[int, str], dict[int, str], list[Any]]:
    events = _events(_chat(http, {**body, "stream": True}))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    contents: dict[int, str] = {}
    finishes: dict[int, str] = {}
    for chunk in chunks:
        _check(chunk, "ChatCompletionChunk")
        for choice in chunk["choices"]:
            i = choice["index"]
            if i not in contents:
                assert choice["delta"].get("role") == "assistant"
            contents[i] = contents.get(i, "") + (choice["delta"].get("content") or "")
            if choice.get("finish_reason"):
                assert i not in finishes
                finishes[i] = choice["finish_reason"]
    assert len({c["id"] for c in chunks}) == 1
    return contents, finishes, chunks


def test_health(http: httpx.Client) -> None:
    response = http.get("/v1/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_banner_gives_the_sdk_base_url_and_key(server: RunningServer) -> None:
    assert f"base_url: {server.openai_base}" in server.banner
    assert "api_key: the --api-key value you passed" in server.banner


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_documented_example_is_served(http: httpx.Client, name: str) -> None:
    body = EXAMPLES[name]["value"]
    response = _chat(http, body)
    assert response.status_code == 201, response.text
    if body.get("stream"):
        contents, finishes, _ = _streamed(http, body)
        assert finishes.keys() == contents.keys() == {0}
        return
    payload = response.json()
    _check(payload, "ChatCompletion")
    assert payload["model"] == body.get("model", "vlmrun-orion-1:auto")
    fmt = body.get("response_format")
    if fmt:
        content = json.loads(payload["choices"][0]["message"]["content"])
        schema = fmt.get("schema") or fmt.get("json_schema")
        if schema:
            jsonschema.validate(content, schema)
        else:
            assert isinstance(content, dict)


def test_replies_are_deterministic_and_usage_adds_up(http: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "Tell me about the sea."}], "n": 3}
    first, second = _chat(http, body).json(), _chat(http, body).json()
    assert first["id"] != second["id"]
    assert [c["message"] for c in first["choices"]] == [c["message"] for c in second["choices"]]
    assert [c["index"] for c in first["choices"]] == [0, 1, 2]
    assert "Tell me about the sea." in first["choices"][0]["message"]["content"]
    usage = first["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0


def test_max_tokens_cuts_with_finish_reason_length(http: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "Say a lot."}], "max_tokens": 3}
    payload = _chat(http, body).json()
    assert payload["choices"][0]["finish_reason"] == "length"
    assert payload["usage"]["completion_tokens"] == 3
    roomy = _chat(http, {**body, "max_tokens": 1000}).json()
    assert roomy["choices"][0]["finish_reason"] == "stop"
    assert roomy["choices"][0]["message"]["content"].startswith(
        payload["choices"][0]["message"]["content"]
    )


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("max_tokens", [2, 5000])
def test_stream_matches_non_stream(http: httpx.Client, n: int, max_tokens: int) -> None:
    body = {
        "messages": [{"role": "user", "content": "Count to three."}],
        "n": n,
        "max_tokens": max_tokens,
    }
    plain = _chat(http, body).json()
    contents, finishes, _ = _streamed(http, body)
    assert contents == {c["index"]: c["message"]["content"] for c in plain["choices"]}
    assert finishes == {c["index"]: c["finish_reason"] for c in plain["choices"]}


def test_stream_usage_on_request(http: httpx.Client) -> None:
    body = {
        "messages": [{"role": "user", "content": "Hi"}],
        "stream_options": {"include_usage": True},
    }
    _, _, chunks = _streamed(http, body)
    usage = chunks[-1]["usage"]
    assert chunks[-1]["choices"] == []
    assert usage == _chat(http, body | {"stream": False}).json()["usage"]


@pytest.mark.parametrize("where", ["schema", "json_schema"])
@pytest.mark.parametrize("max_tokens", [1, 500])
def test_json_schema_answers_validate(http: httpx.Client, where: str, max_tokens: int) -> None:
    schema = {
        "type": "object",
        "required": ["id", "tags", "when"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^INV-[0-9]{4}$"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 2},
            "when": {"type": "string", "format": "date"},
        },
    }
    fmt: dict[str, Any] = {"type": "json_schema", where: schema}
    if where == "json_schema":
        fmt["name"] = "invoice"
    payload = _chat(
        http,
        {
            "messages": [{"role": "user", "content": "x"}],
            "response_format": fmt,
            "max_tokens": max_tokens,
        },
    ).json()
    choice = payload["choices"][0]
    assert choice["finish_reason"] == "stop"
    jsonschema.validate(json.loads(choice["message"]["content"]), schema)


@pytest.mark.parametrize(
    ("fmt", "loc"),
    [
        (
            {"type": "json_schema", "schema": {"type": "nope"}},
            ["body", "response_format", "schema", "type"],
        ),
        (
            {
                "type": "json_schema",
                "name": "n",
                "json_schema": {"properties": {"a": {"minLength": -1}}},
            },
            ["body", "response_format", "json_schema", "properties", "a", "minLength"],
        ),
        (
            {"type": "json_schema", "schema": {"type": "string", "minLength": 3, "maxLength": 1}},
            ["body", "response_format", "schema"],
        ),
    ],
)
def test_bad_schemas_are_422_with_their_location(
    http: httpx.Client, fmt: Any, loc: list[Any]
) -> None:
    response = _chat(http, {"messages": [{"role": "user", "content": "x"}], "response_format": fmt})
    assert response.status_code == 422
    _check(response.json(), "HTTPValidationError")
    assert response.json()["detail"][0]["loc"] == loc


def _skill_zip(names: list[str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "# skill\n")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    ("skill", "loc"),
    [
        ({"type": "inline", "source": {"data": _skill_zip(["README.md"])}}, ["source", "data"]),
        ({"type": "inline", "source": {"data": "%%%"}}, ["source", "data"]),
        ({"type": "inline", "bundle": _skill_zip(["SKILL.md", "x/SKILL.md"])}, ["bundle"]),
        ({"type": "inline", "bundle": _skill_zip(["SKILL.md"])}, None),
    ],
)
def test_inline_skills(http: httpx.Client, skill: Any, loc: list[Any] | None) -> None:
    body = {
        "messages": [{"role": "user", "content": "x"}],
        "skills": [{"skill_id": "pillow"}, skill],
    }
    response = _chat(http, body)
    if loc is None:
        assert response.status_code == 201
        return
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "skills", 1, *loc]


def test_unknown_extensions_and_media_parts_are_accepted(http: httpx.Client) -> None:
    body = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": "http://127.0.0.1:9/never-fetched.png"},
                    {"type": "input_file", "file_id": "file-1"},
                    {"type": "text", "text": "hi"},
                ],
            }
        ],
        "vlmrun": {"domain": "document.invoice", "metadata": {"allow_training": False}},
        "preview": True,
        "service_tier": "priority",
        "toolsets": ["web"],
        "future_field": [1],
    }
    response = _chat(http, body)
    assert response.status_code == 201
    assert "1 file, 1 image" in response.json()["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, {"Authorization": ""}],
)
def test_bad_credentials_are_401(server: RunningServer, headers: dict[str, str]) -> None:
    response = httpx.post(
        f"{server.openai_base}/chat/completions",
        headers=headers,
        json={"messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    _check(response.json(), "ErrorResponse")


def test_guests_get_ten_chats_a_day_per_browser(server: RunningServer) -> None:
    url = f"{server.openai_base}/chat/completions"
    body = {"messages": [{"role": "user", "content": "x"}]}
    codes = [
        httpx.post(url, json=body, headers={"x-browser-id": "guest-a"}).status_code
        for _ in range(11)
    ]
    assert codes == [201] * 10 + [429]
    refused = httpx.post(url, json=body, headers={"x-browser-id": "guest-a"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 86400
    _check(refused.json(), "ErrorResponse")
    assert httpx.post(url, json=body, headers={"x-browser-id": "guest-b"}).status_code == 201
    # Without a browser id the client address and User-Agent identify the guest.
    agent = {"User-Agent": "refserver-test-agent"}
    assert [httpx.post(url, json=body, headers=agent).status_code for _ in range(11)][-2:] == [
        201,
        429,
    ]
    assert httpx.post(url, json=body, headers={"User-Agent": "other"}).status_code == 201


def test_sessions_continue_and_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    body = {"session_id": "s-1", "messages": [{"role": "user", "content": "My colour is teal."}]}
    first = RunningServer(api_keys=[KEY], db=db)
    try:
        with httpx.Client(
            base_url=first.openai_base, headers={"Authorization": f"Bearer {KEY}"}
        ) as c:
            one = c.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
            later = {**body, "messages": [{"role": "user", "content": "What is my colour?"}]}
            two = c.post("/chat/completions", json=later).json()["choices"][0]["message"]["content"]
    finally:
        assert first.stop() == 0
    assert "Turn 1." in one and "Turn 2." in two and "My colour is teal." in two
    second = RunningServer(api_keys=[KEY], db=db)
    try:
        with httpx.Client(
            base_url=second.openai_base, headers={"Authorization": f"Bearer {KEY}"}
        ) as c:
            three = c.post("/chat/completions", json={**later, "stream": True})
            text = "".join(
                json.loads(e)["choices"][0]["delta"].get("content") or ""
                for e in _events(three)[:-1]
            )
            other = c.post("/chat/completions", json={**body, "session_id": "s-2"}).json()
    finally:
        assert second.stop() == 0
    assert "Turn 3." in text and "My colour is teal." in text
    assert "Turn 1." in other["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"messages": "x"}',
        b'{"messages": [{"role": "robot"}]}',
        b'{"messages": [], "n": 0}',
        b'{"messages": [], "n": 129}',
        b"\xff\xfe",
        b'{"messages": [], "max_tokens": 1.5}',
    ],
)
def test_invalid_bodies_are_422(http: httpx.Client, raw: bytes) -> None:
    response = http.post(
        "/v1/openai/chat/completions", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    _check(response.json(), "HTTPValidationError")
    assert all(item["loc"][0] == "body" for item in response.json()["detail"])


def test_over_limit_bodies_are_413(http: httpx.Client) -> None:
    limit = OPERATION["requestBody"]["x-max-body-bytes"]
    padding = "a" * (limit + 1)
    response = _chat(http, {"messages": [{"role": "user", "content": padding}]})
    assert response.status_code == 413
    _check(response.json(), "ErrorResponse")


def test_without_keys_serve_makes_one_and_refuses_other_tokens() -> None:
    open_server = RunningServer()
    try:
        keys = [line.split(": ", 1)[1] for line in open_server.banner if "api_key: " in line]
        assert f"base_url: {open_server.openai_base}" in open_server.banner
        body = {"messages": [{"role": "user", "content": "x"}]}
        url = f"{open_server.openai_base}/chat/completions"
        whatever = httpx.post(url, headers={"Authorization": "Bearer whatever"}, json=body)
        assert whatever.status_code == 401
        mine = httpx.post(url, headers={"Authorization": f"Bearer {keys[0]}"}, json=body)
        assert mine.status_code == 201
    finally:
        assert open_server.stop() == 0
