"""Building blocks for faults: rewrite a successful chat completion, streamed or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._asgi import Call, FaultHandler, Request, Response

__all__ = [
    "Chunks",
    "Completion",
    "on_completion",
    "on_stream",
    "set_stream_content",
    "stream_contents",
]

Completion = dict[str, Any]
Chunks = list[dict[str, Any]]


def _ok(request: Request, response: Response) -> bool:
    return request.is_chat and 200 <= response.status < 300


def on_completion(
    change: Callable[[Request, Completion], None],
    *,
    also_stream: Callable[[Request, Chunks], Chunks] | None = None,
) -> FaultHandler:
    """A fault that edits each successful JSON completion in place (and maybe each stream)."""

    async def handler(request: Request, call: Call) -> Response:
        response = await call(request)
        if _ok(request, response) and response.is_json:
            payload = response.json()
            change(request, payload)
            return response.with_json(payload)
        if also_stream is not None and _ok(request, response) and response.is_sse:
            return response.with_chunks(also_stream(request, response.chunks()))
        return response

    return handler


def on_stream(change: Callable[[Request, Chunks], Chunks], *, done: bool = True) -> FaultHandler:
    """A fault that rewrites the chunks of each successful stream (``done``: keep ``[DONE]``)."""

    async def handler(request: Request, call: Call) -> Response:
        response = await call(request)
        if _ok(request, response) and response.is_sse:
            return response.with_chunks(change(request, response.chunks()), done=done)
        return response

    return handler


def stream_contents(chunks: Chunks) -> dict[int, str]:
    """The text each choice index assembles from its deltas."""
    texts: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk.get("choices", []):
            piece = (choice.get("delta") or {}).get("content") or ""
            texts[choice["index"]] = texts.get(choice["index"], "") + piece
    return texts


def set_stream_content(chunks: Chunks, index: int, text: str) -> None:
    """Make choice ``index`` assemble ``text``: its first content delta carries it all."""
    placed = False
    for chunk in chunks:
        for choice in chunk.get("choices", []):
            delta = choice.get("delta") or {}
            if choice["index"] != index or delta.get("content") is None:
                continue
            delta["content"] = "" if placed else text
            placed = True
