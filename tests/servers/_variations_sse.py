"""Legal variations of the event stream: framing the WHATWG format allows, chunk sequences real
servers send. Each keeps the OpenAI SDK working (tests/test_variations_verdicts.py reads every
variation through it), so a suite that fails one of these is wrong, not the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ._asgi import DONE, Call, Request, Response
from ._paced import AnyHandler, Paced, paced

__all__ = [
    "sse_comments",
    "sse_cr",
    "sse_crlf",
    "sse_empty_choices_first",
    "sse_finish_on_last_delta",
    "sse_id_retry",
    "sse_interleaved_choices",
    "sse_multiline_data",
    "sse_no_space",
    "sse_paced",
    "sse_role_every_delta",
    "sse_split_writes",
    "sse_usage_chunk",
]

Render = Callable[[list[str]], bytes]
Chunks = list[dict[str, Any]]


def _on_sse(render: Render) -> AnyHandler:
    """A handler that re-renders each successful stream's events with ``render``."""

    async def handler(request: Request, call: Call) -> Response | Paced:
        response = await call(request)
        if request.is_chat and 200 <= response.status < 300 and response.is_sse:
            return replace(response, body=render(response.events()))
        return response

    return handler


def _on_chunks(change: Callable[[Request, Chunks], Chunks]) -> AnyHandler:
    """A handler that rewrites each successful stream's chunks (``[DONE]`` kept)."""

    async def handler(request: Request, call: Call) -> Response | Paced:
        response = await call(request)
        if request.is_chat and 200 <= response.status < 300 and response.is_sse:
            return response.with_chunks(change(request, response.chunks()))
        return response

    return handler


def _lines(events: list[str], end: str) -> bytes:
    return "".join(f"data: {event}{end}{end}" for event in events).encode()


def _comments(events: list[str]) -> bytes:
    # OpenRouter opens with ": OPENROUTER PROCESSING"; proxies add keep-alive comments.
    out = [": OPENROUTER PROCESSING\n\n"]
    for event in events:
        out.append(f": keep-alive\ndata: {event}\n\n:ping\n\n")
    return "".join(out).encode()


def _id_retry(events: list[str]) -> bytes:
    # On the data events' own blocks: a block of `id:`/`retry:` alone would make the OpenAI SDK
    # dispatch an event with empty data, which WHATWG does not dispatch (and the SDK then fails).
    return "".join(
        f"id: {number}\nretry: 3000\ndata: {event}\n\n" for number, event in enumerate(events)
    ).encode()


def _no_space(events: list[str]) -> bytes:
    return "".join(f"data:{event}\n\n" for event in events).encode()


def _multiline(events: list[str]) -> bytes:
    # Each chunk pretty-printed over several `data:` lines, which a parser joins with LF.
    out = []
    for event in events:
        text = event if event == DONE else json.dumps(json.loads(event), indent=1)
        out.append("".join(f"data: {line}\n" for line in text.split("\n")) + "\n")
    return "".join(out).encode()


async def sse_split_writes(request: Request, call: Call) -> Response | Paced:
    """The stream in 7-byte writes: lines and events cut across writes, and UTF-8 sent raw
    (not ``\\u`` escaped), so that a non-ASCII reply has characters cut across writes too."""
    response = await call(request)
    if not (request.is_chat and 200 <= response.status < 300 and response.is_sse):
        return response
    chunks = response.chunks()
    body = b"".join(f"data: {json.dumps(c, ensure_ascii=False)}\n\n".encode() for c in chunks)
    body += f"data: {DONE}\n\n".encode()
    return paced(response, [body[i : i + 7] for i in range(0, len(body), 7)])


async def sse_paced(request: Request, call: Call) -> Response | Paced:
    """Events up to 60 ms apart, each after a keep-alive comment: slow, within any deadline."""
    response = await call(request)
    if not (request.is_chat and 200 <= response.status < 300 and response.is_sse):
        return response
    pieces = [f": keep-alive\n\ndata: {event}\n\n".encode() for event in response.events()]
    # at most 2 s a stream (n = 128 makes hundreds of events): slow, never near a deadline
    return paced(response, pieces, piece_delay=min(0.06, 2.0 / len(pieces)))


async def sse_usage_chunk(request: Request, call: Call) -> Response | Paced:
    """OpenAI's ``stream_options.include_usage``: ``usage: null`` on every chunk, then one last
    chunk with ``choices: []`` and the usage of the whole request."""
    response = await call(request)
    if not (request.is_chat and 200 <= response.status < 300 and response.is_sse):
        return response
    chunks = response.chunks()
    for chunk in chunks:
        chunk["usage"] = None
    if "session_id" in request.json():
        return response.with_chunks(chunks)  # a second call would add a turn to the session
    # The usage the same request gets unstreamed: the reference is deterministic.
    unstreamed = await call(request.with_json({**request.json(), "stream": False}))
    last = {**chunks[-1], "choices": [], "usage": unstreamed.json().get("usage")}
    return response.with_chunks([*chunks, last])


def _finish_on_last_delta(request: Request, chunks: Chunks) -> Chunks:
    # vLLM and llama.cpp put finish_reason on the last content delta: no empty closing delta.
    last_content: dict[int, dict[str, Any]] = {}
    finishing: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for chunk in chunks:
        for choice in chunk["choices"]:
            if choice.get("finish_reason") and not (choice.get("delta") or {}).get("content"):
                finishing.append((chunk, choice))
            elif (choice.get("delta") or {}).get("content"):
                last_content[choice["index"]] = choice
    for chunk, choice in finishing:
        target = last_content.get(choice["index"])
        if target is None:
            continue
        target["finish_reason"] = choice["finish_reason"]
        chunk["choices"].remove(choice)
    return [chunk for chunk in chunks if chunk["choices"]]


def _role_every_delta(request: Request, chunks: Chunks) -> Chunks:
    # Ollama's OpenAI layer repeats role "assistant" in every delta.
    for chunk in chunks:
        for choice in chunk["choices"]:
            choice.setdefault("delta", {})["role"] = "assistant"
    return chunks


def _empty_choices_first(request: Request, chunks: Chunks) -> Chunks:
    # Azure OpenAI opens with a chunk of `choices: []` carrying prompt_filter_results, and
    # sends empty-content deltas now and then.
    opening = {**chunks[0], "choices": [], "prompt_filter_results": [{"prompt_index": 0}]}
    out: Chunks = [opening]
    for chunk in chunks:
        out.append(chunk)
        for choice in chunk["choices"]:
            if (choice.get("delta") or {}).get("content"):
                empty = {"index": choice["index"], "delta": {"content": ""}, "finish_reason": None}
                out.append({**chunk, "choices": [empty]})
                break
    return out


def _interleaved(request: Request, chunks: Chunks) -> Chunks:
    # With n > 1, vLLM interleaves choices in whatever order they finish; each choice's own
    # deltas stay in order. Here: the choices' chunks are emitted highest index first.
    per_choice: dict[int, Chunks] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            per_choice.setdefault(choice["index"], []).append({**chunk, "choices": [choice]})
    if len(per_choice) < 2:
        return chunks
    return [c for index in sorted(per_choice, reverse=True) for c in per_choice[index]]


sse_comments = _on_sse(_comments)
sse_crlf = _on_sse(lambda events: _lines(events, "\r\n"))
sse_cr = _on_sse(lambda events: _lines(events, "\r"))
sse_id_retry = _on_sse(_id_retry)
sse_no_space = _on_sse(_no_space)
sse_multiline_data = _on_sse(_multiline)
sse_finish_on_last_delta = _on_chunks(_finish_on_last_delta)
sse_role_every_delta = _on_chunks(_role_every_delta)
sse_empty_choices_first = _on_chunks(_empty_choices_first)
sse_interleaved_choices = _on_chunks(_interleaved)
