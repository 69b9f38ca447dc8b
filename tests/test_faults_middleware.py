"""Each fault changes exactly its one thing, judged against a small spec-shaped stand-in app."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.servers import FAULTS, FaultMiddleware, passthrough
from tests.servers._asgi import parse_sse


def _completion(n: int, content: str) -> dict[str, Any]:
    choices = [
        {"index": i, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        for i in range(n)
    ]
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": "m", "choices": choices,
            "usage": usage}  # fmt: skip


def _chunks(n: int, content: str) -> list[dict[str, Any]]:
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    out = []
    for i in range(n):
        deltas = [{"role": "assistant", "content": ""}, {"content": content}, {}]
        for step, delta in enumerate(deltas):
            reason = "stop" if step == 2 else None
            out.append({**base, "choices": [{"index": i, "delta": delta, "finish_reason": reason}]})
    return out


def _content(body: dict[str, Any]) -> str:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_object":
        return '{"cat": "tabby"}'
    if "schema" in fmt or "json_schema" in fmt:
        return '{"name": "teal", "hex": "#008080"}'
    return "Hello there"


async def _chat(request: StarletteRequest) -> Response:
    auth = request.headers.get("authorization")
    if auth is not None and auth != "Bearer good":
        return JSONResponse({"detail": "invalid token"}, status_code=401)
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        detail = [{"loc": ["body", "messages"], "msg": "Field required", "type": "missing"}]
        return JSONResponse({"detail": detail}, status_code=422)
    for skill in body.get("skills") or []:
        if skill.get("source", {}).get("data") == "bad":
            loc: list[str | int] = ["body", "skills", 0, "source"]
            errors = [{"loc": loc, "msg": "no SKILL.md", "type": "value_error"}]
            return JSONResponse({"detail": errors}, status_code=422)
    n, content = body.get("n") or 1, _content(body)
    if body.get("stream"):
        events = [json.dumps(c) for c in _chunks(n, content)] + ["[DONE]"]
        stream = iter(f"data: {e}\n\n" for e in events)
        return StreamingResponse(stream, status_code=201, media_type="text/event-stream")
    return JSONResponse(_completion(n, content), status_code=201)


async def _health(request: StarletteRequest) -> Response:
    return JSONResponse({"status": "ok"})


STUB = Starlette(
    routes=[
        Route("/v1/openai/chat/completions", _chat, methods=["POST"]),
        Route("/v1/health", _health),
    ]
)
CHAT = "/v1/openai/chat/completions"
MSG = [{"role": "user", "content": "hi"}]
GOOD = {"authorization": "Bearer good"}


def _send(fault: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
    handler = passthrough if fault is None else FAULTS[fault].make()
    app = FaultMiddleware(STUB, handler)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.request(method, path, **kwargs)
            if fault == "session-second-turn-fails":
                response = await client.request(method, path, **kwargs)
            return response

    return asyncio.run(go())


def _post(fault: str | None, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
    return _send(fault, "POST", CHAT, json=body, headers=kwargs.pop("headers", GOOD), **kwargs)


def _events(response: httpx.Response) -> list[str]:
    return parse_sse(response.content)


REQUESTS = [
    {"messages": MSG},
    {"messages": MSG, "n": 2},
    {"messages": MSG, "stream": True, "n": 2},
    {"messages": "nope"},
    {"messages": MSG, "response_format": {"type": "json_object"}},
]


@pytest.mark.parametrize("body", REQUESTS)
def test_passthrough_is_byte_identical(body: dict[str, Any]) -> None:
    expected = asyncio.run(_direct(body))
    got = _post(None, body)
    assert (got.status_code, got.headers["content-type"], got.content) == expected


async def _direct(body: dict[str, Any]) -> tuple[int, str, bytes]:
    transport = httpx.ASGITransport(app=STUB)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post(CHAT, json=body, headers=GOOD)
        return r.status_code, r.headers["content-type"], r.content


def test_every_fault_leaves_a_plain_completion_alone_or_names_why() -> None:
    # Faults that touch every 2xx completion are listed; all others must not touch this one.
    touches_plain = {"missing-usage", "wrong-object", "finish-reason-done", "json-as-text-plain",
                     "usage-total-wrong", "anonymous-403"}  # fmt: skip
    clean = _post(None, {"messages": MSG})
    for name in FAULTS:
        got = _post(name, {"messages": MSG}, headers={} if name == "anonymous-403" else GOOD)
        seen = (got.status_code, got.headers.get("content-type"), got.json())
        same = seen == (clean.status_code, clean.headers.get("content-type"), clean.json())
        assert same != (name in touches_plain), name


STREAM = {"messages": MSG, "stream": True}
FLAT = {"type": "json_schema", "schema": {"type": "object", "required": ["name", "hex"]}}
STRICT = {"type": "json_schema", "name": "c", "json_schema": FLAT["schema"]}
INLINE = {
    "type": "inline",
    "source": {"type": "base64", "data": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
}
BAD_INLINE = {"type": "inline", "source": {"type": "base64", "data": "bad"}}


def _chunk_choices(r: httpx.Response) -> list[dict[str, Any]]:
    return [c for e in _events(r) if e != "[DONE]" for c in json.loads(e)["choices"]]


def _text(r: httpx.Response) -> str:
    return "".join((c["delta"].get("content") or "") for c in _chunk_choices(r))


CASES: dict[str, tuple[dict[str, Any], dict[str, str], Any]] = {
    "missing-usage": ({"messages": MSG}, GOOD, lambda r: "usage" not in r.json()),
    "wrong-object": ({"messages": MSG}, GOOD, lambda r: r.json()["object"] == "chat_completion"),
    "finish-reason-done": (
        {"messages": MSG},
        GOOD,
        lambda r: r.json()["choices"][0]["finish_reason"] == "done",
    ),
    "json-as-text-plain": (
        {"messages": MSG},
        GOOD,
        lambda r: r.headers["content-type"].startswith("text/plain"),
    ),
    "500-on-image": (
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}]},
        GOOD,
        lambda r: r.status_code == 500,
    ),
    "stream-no-done": (STREAM, GOOD, lambda r: _events(r) and "[DONE]" not in _events(r)),
    "stream-id-changes": (
        STREAM,
        GOOD,
        lambda r: len({json.loads(e)["id"] for e in _events(r)[:-1]}) > 1,
    ),
    "stream-no-role": (
        STREAM,
        GOOD,
        lambda r: all("role" not in c["delta"] for c in _chunk_choices(r)),
    ),
    "stream-two-finish": (
        STREAM,
        GOOD,
        lambda r: sum(bool(c["finish_reason"]) for c in _chunk_choices(r)) == 2,
    ),
    "stream-no-finish": (
        STREAM,
        GOOD,
        lambda r: _events(r) and not any(c["finish_reason"] for c in _chunk_choices(r)),
    ),
    "stream-differs": (STREAM, GOOD, lambda r: _text(r) == "Hello there (streamed)"),
    "n-ignored": ({"messages": MSG, "n": 3}, GOOD, lambda r: len(r.json()["choices"]) == 1),
    "n-wrong-index": (
        {"messages": MSG, "n": 3},
        GOOD,
        lambda r: [c["index"] for c in r.json()["choices"]] == [0, 0, 0],
    ),
    "usage-total-wrong": (
        {"messages": MSG},
        GOOD,
        lambda r: r.json()["usage"]["total_tokens"] == 6,
    ),
    "json-object-not-json": (
        {"messages": MSG, "response_format": {"type": "json_object"}},
        GOOD,
        lambda r: r.json()["choices"][0]["message"]["content"].startswith("Sure!"),
    ),
    "schema-flat-violation": (
        {"messages": MSG, "response_format": FLAT},
        GOOD,
        lambda r: json.loads(r.json()["choices"][0]["message"]["content"]) == {"hex": "#008080"},
    ),
    "schema-strict-violation": (
        {"messages": MSG, "response_format": STRICT, "stream": True},
        GOOD,
        lambda r: json.loads(_text(r)) == {"hex": "#008080"},
    ),
    "invalid-accepted": ({"messages": "nope"}, GOOD, lambda r: r.status_code == 201),
    "422-wrong-shape": ({"messages": "nope"}, GOOD, lambda r: r.json() == {"detail": "bad"}),
    "422-wrong-loc": (
        {"messages": "nope"},
        GOOD,
        lambda r: r.json()["detail"][0]["loc"] == ["body"],
    ),
    "400-not-422": (
        {"messages": "nope"},
        GOOD,
        lambda r: r.status_code == 400 and r.json()["detail"][0]["loc"],
    ),
    "bad-token-as-guest": (
        {"messages": MSG},
        {"authorization": "Bearer nope"},
        lambda r: r.status_code == 201,
    ),
    "anonymous-403": ({"messages": MSG}, {}, lambda r: r.status_code == 403),
    "rejects-vlmrun-field": (
        {"messages": MSG, "vlmrun": {"metadata": {}}},
        GOOD,
        lambda r: r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "vlmrun"],
    ),
    "rejects-flex-tier": (
        {"messages": MSG, "service_tier": "flex"},
        GOOD,
        lambda r: r.status_code == 422,
    ),
    "rejects-inline-skill": (
        {"messages": MSG, "skills": [INLINE]},
        GOOD,
        lambda r: r.status_code == 422,
    ),
    "accepts-skill-without-skill-md": (
        {"messages": MSG, "skills": [BAD_INLINE]},
        GOOD,
        lambda r: r.status_code == 201,
    ),
    "session-second-turn-fails": (
        {"messages": MSG, "session_id": "s-1"},
        GOOD,
        lambda r: r.status_code == 404,
    ),
}


def test_every_fault_has_a_case() -> None:
    assert set(CASES) | {"health-missing"} == set(FAULTS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fault_shows_and_clean_does_not(name: str) -> None:
    body, headers, shows = CASES[name]
    assert shows(_post(name, body, headers=headers)), name
    assert not shows(_post(None, body, headers=headers)), name


def test_health_missing() -> None:
    assert _send("health-missing", "GET", "/v1/health").status_code == 404
    assert _send(None, "GET", "/v1/health").json() == {"status": "ok"}


def test_sse_round_trip() -> None:
    body = b"data: a\n\ndata: b\ndata: c\r\n\r\n: comment\n\ndata:[DONE]\n\n"
    assert parse_sse(body) == ["a", "b\nc", "[DONE]"]
