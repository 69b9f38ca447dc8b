"""Legal variations of HTTP framing and of JSON bodies that real OpenAI-compatible servers send:
other success status, media-type parameters, chunked or compressed bodies, slow first bytes,
extra fields and headers, other key orders and spellings of the same JSON.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ._asgi import Call, Request, Response
from ._paced import AnyHandler, Paced, paced

__all__ = [
    "connection_close",
    "extra_fields",
    "extra_headers",
    "field_order",
    "id_uuid",
    "json_charset",
    "json_chunked",
    "json_gzip",
    "json_pretty",
    "model_resolved",
    "openai_nulls",
    "slow_first_byte",
    "status_200",
]


def _success(request: Request, response: Response) -> bool:
    return request.is_chat and 200 <= response.status < 300


def _on_json(change: Callable[[Request, Any], Any]) -> AnyHandler:
    """A handler that rewrites each successful JSON completion (and each stream's chunks)."""

    async def handler(request: Request, call: Call) -> Response | Paced:
        response = await call(request)
        if _success(request, response) and response.is_json:
            return response.with_json(change(request, response.json()))
        if _success(request, response) and response.is_sse:
            return response.with_chunks([change(request, c) for c in response.chunks()])
        return response

    return handler


async def status_200(request: Request, call: Call) -> Response | Paced:
    """200 instead of 201 for every success (OpenAI, vLLM, llama.cpp, transformers serve)."""
    response = await call(request)
    return replace(response, status=200) if response.status == 201 else response


async def json_charset(request: Request, call: Call) -> Response | Paced:
    """``application/json; charset=utf-8`` on every JSON body (Express, many Node servers)."""
    response = await call(request)
    if response.is_json:
        return response.with_header("content-type", "application/json; charset=utf-8")
    return response


async def json_chunked(request: Request, call: Call) -> Response | Paced:
    """JSON bodies sent with chunked transfer encoding in three pieces, no Content-Length."""
    response = await call(request)
    if not response.is_json:
        return response
    body, third = response.body, max(1, len(response.body) // 3)
    return paced(response, [body[:third], body[third : 2 * third], body[2 * third :]])


async def json_gzip(request: Request, call: Call) -> Response | Paced:
    """``Content-Encoding: gzip`` JSON when the request accepts it (nginx/CDN in front)."""
    response = await call(request)
    accepted = (request.header("accept-encoding") or "").lower()
    if not response.is_json or "gzip" not in accepted:
        return response
    compressed = replace(response, body=gzip.compress(response.body, mtime=0))
    return compressed.with_header("content-encoding", "gzip").with_header("vary", "Accept-Encoding")


async def connection_close(request: Request, call: Call) -> Response | Paced:
    """``Connection: close`` on every answer: no keep-alive, one connection per request."""
    response = await call(request)
    return response.with_header("connection", "close")


class _SlowFirstByte:
    """Every 16th chat request waits 2.5 s before its first byte (a queued or loading model):
    slow, yet well within conform's default 10 s deadline."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: Request, call: Call) -> Response | Paced:
        response = await call(request)
        if not request.is_chat:
            return response
        self.count += 1
        delay = 2.5 if self.count % 16 == 1 else 0.0
        return paced(response, [response.body], first_byte_delay=delay)


def slow_first_byte() -> AnyHandler:
    """A fresh handler (its own request count) per server."""
    return _SlowFirstByte()


async def extra_headers(request: Request, call: Call) -> Response | Paced:
    """The headers OpenAI and proxies add: request id, processing time, rate-limit state."""
    response = await call(request)
    for name, value in (
        ("x-request-id", "req_0123456789abcdef"),
        ("openai-processing-ms", "42"),
        ("openai-version", "2020-10-01"),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-remaining-requests", "9999"),
        ("strict-transport-security", "max-age=31536000"),
    ):
        response = response.with_header(name, value)
    return response


def _extra(request: Request, body: Any) -> Any:
    # Fields vLLM, llama.cpp and OpenAI add; the bundle's objects are open.
    body["prompt_logprobs"] = None
    body["kv_transfer_params"] = None
    body["timings"] = {"prompt_n": 3, "predicted_n": 8, "predicted_ms": 1.5}
    for choice in body.get("choices", []):
        choice["stop_reason"] = None
        for key in ("message", "delta"):
            if isinstance(choice.get(key), dict):
                choice[key]["reasoning_content"] = None
    if isinstance(body.get("usage"), dict):
        body["usage"]["prompt_tokens_details"] = {"cached_tokens": 0}
        body["usage"]["completion_tokens_details"] = {"reasoning_tokens": 0}
    return body


def _openai_nulls(request: Request, body: Any) -> Any:
    # What api.openai.com itself sends beside the required fields.
    body["system_fingerprint"] = "fp_0123456789"
    body["service_tier"] = "default"
    for choice in body.get("choices", []):
        choice["logprobs"] = None
        if isinstance(choice.get("message"), dict):
            choice["message"].update(refusal=None, annotations=[])
        if isinstance(choice.get("delta"), dict) and "role" in choice["delta"]:
            choice["delta"]["refusal"] = None
    return body


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(item) for item in value]
    return value


def _id_uuid(request: Request, body: Any) -> Any:
    # transformers serve uses a bare UUID (the same for every chunk of a stream).
    body["id"] = "11c09618-8e5b-47a3-a18a-" + str(body["id"])[-12:].rjust(12, "0")
    return body


def _model_resolved(request: Request, body: Any) -> Any:
    # OpenAI answers "gpt-4o-2024-08-06" to "gpt-4o": the model field names the snapshot.
    body["model"] = f"{body.get('model', 'model')}-2026-11-01"
    return body


async def json_pretty(request: Request, call: Call) -> Response | Paced:
    """JSON bodies indented and ASCII-escaped (``\\u00e9``), as Python's json.dumps(indent=2)."""
    response = await call(request)
    if not response.is_json:
        return response
    body = json.dumps(response.json(), indent=2, ensure_ascii=True).encode()
    return replace(response, body=body)


extra_fields = _on_json(_extra)
openai_nulls = _on_json(_openai_nulls)
field_order = _on_json(lambda request, body: _reversed(body))
id_uuid = _on_json(_id_uuid)
model_resolved = _on_json(_model_resolved)
