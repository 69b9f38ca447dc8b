"""Faults in ``response_format``: content that is not JSON, or JSON that breaks the schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema

from ._asgi import FaultHandler, Request
from ._rewrite import Chunks, Completion, on_completion, set_stream_content, stream_contents

__all__ = [
    "fault_json_object_not_json",
    "fault_schema_flat_violation",
    "fault_schema_strict_violation",
]


def _format(request: Request) -> dict[str, Any]:
    payload = request.json()
    found = payload.get("response_format") if isinstance(payload, dict) else None
    return found if isinstance(found, dict) else {}


def _violating(schema: dict[str, Any], text: str | None) -> str | None:
    """JSON text that ``schema`` rejects, close to ``text``; None when it accepts anything."""
    try:
        value = json.loads(text or "")
    except ValueError:
        value = None
    candidates: list[Any] = []
    if isinstance(value, dict):
        # The subtle miss first: the right object with one required property left out.
        candidates += [{k: v for k, v in value.items() if k != key} for key in value]
    candidates += [{}, [], "not an object", 0, None, True]
    validator = jsonschema.validators.validator_for(schema)(schema)
    for candidate in candidates:
        if not validator.is_valid(candidate):
            return json.dumps(candidate)
    return None


Rewrite = Callable[[dict[str, Any], str | None], str | None]


Target = Callable[[dict[str, Any]], dict[str, Any] | None]


def _fault(applies: Target, rewrite: Rewrite) -> FaultHandler:
    def change(request: Request, payload: Completion) -> None:
        target = applies(_format(request))
        if target is None:
            return
        for choice in payload["choices"]:
            message = choice["message"]
            new = rewrite(target, message.get("content"))
            if new is not None:
                message["content"] = new

    def change_stream(request: Request, chunks: Chunks) -> Chunks:
        target = applies(_format(request))
        if target is None:
            return chunks
        for index, text in stream_contents(chunks).items():
            new = rewrite(target, text)
            if new is not None:
                set_stream_content(chunks, index, new)
        return chunks

    return on_completion(change, also_stream=change_stream)


def _json_object(fmt: dict[str, Any]) -> dict[str, Any] | None:
    return fmt if fmt.get("type") == "json_object" else None


def _flat(fmt: dict[str, Any]) -> dict[str, Any] | None:
    schema = fmt.get("schema")
    is_flat = fmt.get("type", "json_schema") == "json_schema" and "json_schema" not in fmt
    return schema if is_flat and isinstance(schema, dict) else None


def _strict(fmt: dict[str, Any]) -> dict[str, Any] | None:
    schema = fmt.get("json_schema")
    return schema if fmt.get("type") == "json_schema" and isinstance(schema, dict) else None


def _prose(target: dict[str, Any], text: str | None) -> str:
    return f"Sure! Here is the JSON you asked for: {text or '{}'}"


fault_json_object_not_json = _fault(_json_object, _prose)
fault_schema_flat_violation = _fault(_flat, _violating)
fault_schema_strict_violation = _fault(_strict, _violating)
