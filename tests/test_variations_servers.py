"""The second-set servers do what they claim, in process (no conform run): framing variations
carry the same events, the concurrency fault cuts a stream only when another request arrives."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.servers._paced import PacedMiddleware
from tests.servers.variations import NEW_FAULTS, VARIATIONS
from tests.test_faults_middleware import CHAT, GOOD, MSG, STUB

FRAMING = [
    "sse-comments",
    "sse-crlf",
    "sse-cr",
    "sse-id-retry",
    "sse-no-space",
    "sse-multiline-data",
    "sse-split-writes",
    "sse-paced",
]
STREAM = {"messages": MSG, "stream": True, "n": 2}


def _app(name: str) -> PacedMiddleware:
    entry = VARIATIONS.get(name) or NEW_FAULTS[name]
    return PacedMiddleware(STUB, entry.make())


def _data(body: bytes) -> list[Any]:
    # The OpenAI SDK's own decoder: what a real client makes of the bytes.
    streaming = pytest.importorskip("openai._streaming")
    events = streaming.SSEDecoder().iter_bytes(iter([body]))
    return [e.data if e.data == "[DONE]" else json.loads(e.data) for e in events]


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post(CHAT, json=body, headers=GOOD)


def _run(name: str | None, body: dict[str, Any]) -> httpx.Response:
    async def go() -> httpx.Response:
        app = STUB if name is None else _app(name)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await _post(client, body)

    return asyncio.run(go())


@pytest.mark.parametrize("name", FRAMING)
def test_framing_variation_carries_the_same_events(name: str) -> None:
    plain, varied = _run(None, STREAM), _run(name, STREAM)
    # split-writes differs only in how the bytes are cut, which this transport buffers away
    assert (varied.content != plain.content) is (name != "sse-split-writes")
    assert _data(varied.content) == _data(plain.content)


def _finishes(body: bytes) -> list[str]:
    chunks = [d for d in _data(body) if d != "[DONE]"]
    return [c["finish_reason"] for d in chunks for c in d["choices"] if c.get("finish_reason")]


def test_concurrency_fault_cuts_a_stream_only_when_another_request_arrives() -> None:
    async def go() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=_app("stream-cut-on-concurrent"))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            alone = await _post(client, STREAM)

            async def later() -> None:
                await asyncio.sleep(0.06)  # while the stream's 40 ms-spaced events go out
                await client.get("/v1/health")

            cut, _ = await asyncio.gather(_post(client, STREAM), later())
            return alone, cut

    alone, cut = asyncio.run(go())
    assert _data(alone.content)[-1] == "[DONE]" and _finishes(alone.content) == ["stop", "stop"]
    assert _data(cut.content)[-1] == "[DONE]"
    assert _finishes(cut.content) == []


def test_always_sse_streams_a_non_stream_request() -> None:
    response = _run("always-sse", {"messages": MSG})
    assert response.headers["content-type"].startswith("text/event-stream")


def test_prose_length_fault_cuts_every_formatted_reply() -> None:
    # The stand-in ignores max_tokens, so only the request rewrite can be seen: no format left.
    body = {"messages": MSG, "response_format": {"type": "json_object"}}
    assert json.loads(_run("format-prose-length", body).content)["choices"][0]["message"][
        "content"
    ] == ("Hello there")
