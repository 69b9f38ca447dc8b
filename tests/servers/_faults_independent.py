"""Faults written apart from the suite, after what third-party servers were seen to do
(transformers serve, llama-cpp-python) and after the kinds of wrong verdict in issue #8: answers
the suite could mistake for a pass, faults only under concurrent requests, OpenAI-shaped errors.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from typing import Any

from ._asgi import DONE, Call, Request, Response
from ._paced import AnyHandler, Paced, paced

__all__ = [
    "always_sse",
    "format_fenced_json",
    "format_prose_length",
    "gzip_unlabelled",
    "invalid_400_openai_error",
    "invalid_body_401",
    "n_capped",
    "server_error_sometimes",
    "sse_named_event",
    "stream_cut_on_concurrent",
    "stream_ignored",
    "stream_no_done_chunked",
    "unknown_field_422_string",
]


def _body(request: Request) -> dict[str, Any]:
    payload = request.json() if request.is_chat else None
    return payload if isinstance(payload, dict) else {}


def _success(request: Request, response: Response) -> bool:
    return request.is_chat and 200 <= response.status < 300


async def always_sse(request: Request, call: Call) -> Response | Paced:
    """Every completion is streamed, ``stream: false`` (or absent) included."""
    payload = _body(request)
    if payload and not payload.get("stream"):
        return await call(request.with_json({**payload, "stream": True}))
    return await call(request)


async def stream_ignored(request: Request, call: Call) -> Response | Paced:
    """``stream: true`` answered with one ``application/json`` completion."""
    payload = _body(request)
    if payload.get("stream") is True:
        return await call(request.with_json({**payload, "stream": False}))
    return await call(request)


async def format_prose_length(request: Request, call: Call) -> Response | Paced:
    """Every ``response_format`` request gets prose cut by ``finish_reason: "length"``.

    Nothing about the format can be judged from such a reply: a suite must call it "not
    judged", never a pass (and not a failure either: a cut reply is legal).
    """
    response = await call(request)
    payload = _body(request)
    # only requests the reference serves: an invalid one keeps its 422
    if "response_format" in payload and _success(request, response):
        prose = {k: v for k, v in payload.items() if k != "response_format"}
        return await call(request.with_json({**prose, "max_tokens": 3}))
    return response


async def format_fenced_json(request: Request, call: Call) -> Response | Paced:
    """``json_object`` replies wrapped in a Markdown code fence, as chat models like to do."""
    response = await call(request)
    fmt = _body(request).get("response_format")
    if not (_success(request, response) and isinstance(fmt, dict)):
        return response
    if response.is_json:
        payload = response.json()
        for choice in payload["choices"]:
            choice["message"]["content"] = f"```json\n{choice['message']['content']}\n```"
        return response.with_json(payload)
    if response.is_sse:
        chunks = response.chunks()
        for chunk in chunks:
            for choice in chunk["choices"]:
                delta = choice.get("delta") or {}
                if "role" in delta:
                    delta["content"] = "```json\n" + (delta.get("content") or "")
                if choice.get("finish_reason"):
                    delta["content"] = "\n```"
        return response.with_chunks(chunks)
    return response


class _CutOnConcurrent:
    """llama-cpp-python's ``interrupt_requests``: when another request arrives while a stream
    runs, the stream sends ``[DONE]`` at once, without its finish_reason chunk. Alone, every
    stream is complete. Events go out 40 ms apart so that streams overlap other requests."""

    def __init__(self) -> None:
        self.arrivals = 0

    async def __call__(self, request: Request, call: Call) -> Response | Paced:
        self.arrivals += 1
        mine = self.arrivals
        response = await call(request)
        if not (_success(request, response) and response.is_sse):
            return response
        pieces = [f"data: {event}\n\n".encode() for event in response.events()]
        return Paced(
            response.status,
            tuple((k, v) for k, v in response.headers if k.lower() != b"content-length"),
            tuple(pieces),
            piece_delay=min(0.04, 2.0 / len(pieces)),  # at most 2 s: a cut, never a timeout
            stop=lambda: self.arrivals != mine,
            tail=f"data: {DONE}\n\n".encode(),
        )


def stream_cut_on_concurrent() -> AnyHandler:
    """A fresh handler (its own arrival count) per server."""
    return _CutOnConcurrent()


async def sse_named_event(request: Request, call: Call) -> Response | Paced:
    """Every chunk is sent as a named event ``event: chunk`` (not the default ``message``).

    Browsers' EventSource.onmessage never sees such events, and the OpenAI Python SDK from 1.x
    up to about 1.98 builds its chunks from ``{"data": ..., "event": ...}`` for named events.
    """
    response = await call(request)
    if not (_success(request, response) and response.is_sse):
        return response
    body = "".join(f"event: chunk\ndata: {event}\n\n" for event in response.events())
    return replace(response, body=body.encode())


async def stream_no_done_chunked(request: Request, call: Call) -> Response | Paced:
    """transformers serve: the usage rides on the last chunk, then the chunked body ends
    cleanly without ``data: [DONE]``."""
    response = await call(request)
    if not (_success(request, response) and response.is_sse):
        return response
    chunks = response.chunks()
    chunks[-1]["usage"] = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    return paced(response, [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks])


class _ServerErrorSometimes:
    """Every 5th valid chat request is answered 500 ``Internal Server Error`` (text/plain, as
    uvicorn answers an unhandled exception); the others are correct."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: Request, call: Call) -> Response | Paced:
        response = await call(request)
        if not _success(request, response):
            return response
        self.count += 1
        if self.count % 5:
            return response
        headers = ((b"content-type", b"text/plain; charset=utf-8"),)
        return Response(status=500, headers=headers, body=b"Internal Server Error")


def server_error_sometimes() -> AnyHandler:
    """A fresh handler (its own request count) per server."""
    return _ServerErrorSometimes()


async def n_capped(request: Request, call: Call) -> Response | Paced:
    """``n`` above 2 is silently served as ``n: 2`` (a server-side cap nobody documented)."""
    response = await call(request)
    payload = _body(request)
    n = payload.get("n")
    # only requests the reference serves: n = 129 keeps its 422
    if isinstance(n, int) and n > 2 and _success(request, response):
        return await call(request.with_json({**payload, "n": 2}))
    return response


# The request fields OpenAI's Chat Completions API knows; transformers serve refuses the rest.
_OPENAI_FIELDS = frozenset(
    {
        *("messages", "model", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs"),
        *("max_tokens", "max_completion_tokens", "n", "presence_penalty", "response_format"),
        *("seed", "stop", "stream", "stream_options", "temperature", "top_p", "tools"),
        *("tool_choice", "parallel_tool_calls", "user", "metadata", "service_tier", "store"),
        *("reasoning_effort", "modalities", "prediction", "audio", "web_search_options"),
    }
)


async def unknown_field_422_string(request: Request, call: Call) -> Response | Paced:
    """A field OpenAI does not know (``vlmrun``, ``session_id``, ``skills``...) is refused with
    a 422 whose ``detail`` is a string, as transformers serve 5.24 answers."""
    unknown = sorted(set(_body(request)) - _OPENAI_FIELDS)
    if not unknown:
        return await call(request)
    body = json.dumps({"detail": f"Unexpected fields in the request: {set(unknown)}"}).encode()
    return Response(status=422, headers=((b"content-type", b"application/json"),), body=body)


async def invalid_400_openai_error(request: Request, call: Call) -> Response | Paced:
    """Invalid input answered as api.openai.com does: 400 + ``{"error": {...}}``. A fault
    against the VLM Run contract (422); legitimate for a plain OpenAI-compatible target."""
    response = await call(request)
    if response.status != 422 or not response.is_json:
        return response
    detail = response.json().get("detail")
    first = detail[0] if isinstance(detail, list) and detail else {}
    loc = [str(part) for part in first.get("loc", [])[1:]] if isinstance(first, dict) else []
    error = {
        "message": str(first.get("msg", "Invalid request")) if isinstance(first, dict) else "",
        "type": "invalid_request_error",
        "param": ".".join(loc) or None,
        "code": None,
    }
    return response.with_json({"error": error}, status=400)


async def invalid_body_401(request: Request, call: Call) -> Response | Paced:
    """An invalid body is answered 401 (even with a valid token): an auth answer where a
    validation error is due, which a suite must not count as a validation pass."""
    response = await call(request)
    if request.is_chat and response.status == 422:
        failed = response.with_json({"detail": "Invalid authentication credentials"}, status=401)
        return failed.with_header("www-authenticate", "Bearer")
    return response


async def gzip_unlabelled(request: Request, call: Call) -> Response | Paced:
    """JSON completions gzip-compressed without ``Content-Encoding``: the bytes are not JSON."""
    response = await call(request)
    if _success(request, response) and response.is_json:
        return replace(response, body=gzip.compress(response.body, mtime=0))
    return response
