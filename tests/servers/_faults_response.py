"""Faults in what a successful completion looks like: schema, content type, stream, n, usage."""

from __future__ import annotations

from typing import Any

from ._asgi import Call, Request, Response
from ._rewrite import Chunks, Completion, on_completion, on_stream

__all__ = [
    "fault_500_on_image",
    "fault_finish_reason_done",
    "fault_json_as_text",
    "fault_missing_usage",
    "fault_n_ignored",
    "fault_n_wrong_index",
    "fault_stream_differs",
    "fault_stream_id_changes",
    "fault_stream_no_done",
    "fault_stream_no_finish",
    "fault_stream_no_role",
    "fault_stream_two_finish",
    "fault_usage_total_wrong",
    "fault_wrong_object",
]


def _drop_usage(request: Request, payload: Completion) -> None:
    payload.pop("usage", None)


def _wrong_object(request: Request, payload: Completion) -> None:
    payload["object"] = "chat_completion"


def _finish_done(request: Request, payload: Completion) -> None:
    for choice in payload["choices"]:
        choice["finish_reason"] = "done"


def _usage_total(request: Request, payload: Completion) -> None:
    usage = payload["usage"]
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"] + 1


def _index_json(request: Request, payload: Completion) -> None:
    for choice in payload["choices"]:
        choice["index"] = 0


def _index_stream(request: Request, chunks: Chunks) -> Chunks:
    for chunk in chunks:
        for choice in chunk["choices"]:
            choice["index"] = 0
    return chunks


fault_missing_usage = on_completion(_drop_usage)
fault_wrong_object = on_completion(_wrong_object)
fault_finish_reason_done = on_completion(_finish_done)
fault_usage_total_wrong = on_completion(_usage_total)
fault_n_wrong_index = on_completion(_index_json, also_stream=_index_stream)


async def fault_json_as_text(request: Request, call: Call) -> Response:
    """A JSON completion labelled ``text/plain``."""
    response = await call(request)
    if request.is_chat and 200 <= response.status < 300 and response.is_json:
        return response.with_header("content-type", "text/plain; charset=utf-8")
    return response


def _has_image(payload: Any) -> bool:
    messages = payload.get("messages") if isinstance(payload, dict) else None
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
            isinstance(part, dict) and part.get("type") == "image_url" for part in content
        ):
            return True
    return False


async def fault_500_on_image(request: Request, call: Call) -> Response:
    """A valid request with an image part crashes the server."""
    response = await call(request)
    if request.is_chat and 200 <= response.status < 300 and _has_image(request.json()):
        return response.with_json({"detail": "internal error"}, status=500)
    return response


async def fault_n_ignored(request: Request, call: Call) -> Response:
    """``n`` is dropped before the completion is made, so there is always one choice."""
    payload = request.json()
    if request.is_chat and isinstance(payload, dict) and isinstance(payload.get("n"), int):
        payload.pop("n")
        return await call(request.with_json(payload))
    return await call(request)


def _no_done(request: Request, chunks: Chunks) -> Chunks:
    return chunks


def _id_changes(request: Request, chunks: Chunks) -> Chunks:
    for number, chunk in enumerate(chunks[1:], start=1):
        chunk["id"] = f"{chunk['id']}-{number}"
    return chunks


def _no_role(request: Request, chunks: Chunks) -> Chunks:
    for chunk in chunks:
        for choice in chunk["choices"]:
            (choice.get("delta") or {}).pop("role", None)
    return chunks


def _two_finish(request: Request, chunks: Chunks) -> Chunks:
    # Each finishing chunk is repeated once more: two finish_reasons per choice.
    finishing = [(chunk, c) for chunk in chunks for c in chunk["choices"] if c.get("finish_reason")]
    repeats = [
        {
            **chunk,
            "choices": [{"index": c["index"], "delta": {}, "finish_reason": c["finish_reason"]}],
        }
        for chunk, c in finishing
    ]
    return [*chunks, *repeats]


def _no_finish(request: Request, chunks: Chunks) -> Chunks:
    for chunk in chunks:
        for choice in chunk["choices"]:
            choice["finish_reason"] = None
    return chunks


def _differs(request: Request, chunks: Chunks) -> Chunks:
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                delta["content"] += " (streamed)"
                return chunks
    return chunks


fault_stream_no_done = on_stream(_no_done, done=False)
fault_stream_id_changes = on_stream(_id_changes)
fault_stream_no_role = on_stream(_no_role)
fault_stream_two_finish = on_stream(_two_finish)
fault_stream_no_finish = on_stream(_no_finish)
fault_stream_differs = on_stream(_differs)
