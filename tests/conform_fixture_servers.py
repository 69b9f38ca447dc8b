"""A small correct server for the conformance tests, with faults chosen by URL (no tests here).

`http://HOST/v1/openai` is the correct server; `http://HOST/f/<fault>/v1/openai` the same with
one fault, so one server (a thread of the test process) serves every test of a module.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import io
import json
import socket
import threading
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["FAULTS", "create_app", "serving"]

FAULTS = (
    "usage",
    "n",
    "nodone",
    "accept-invalid",
    "guest-token",
    "hang",
    "loc",
    "format",
    # faults only random cases find: the targeted probes stay within their reach
    "n-cap",
    "format-nested",
    "stream-drift",
    "session-long",
)
_N_CAP = 8
_SESSION_TURNS = 3
_SPEC = yaml.safe_load((Path(__file__).parent.parent / "spec" / "openapi.yaml").read_text())
_REGISTRY = Registry().with_resource(
    "urn:spec", Resource.from_contents(_SPEC, default_specification=DRAFT202012)
)
_REQUEST = jsonschema.Draft202012Validator(
    {"$ref": "urn:spec#/components/schemas/AgentChatCompletionsRequest"}, registry=_REGISTRY
)


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = []
    for error in _REQUEST.iter_errors(body):
        loc: list[Any] = ["body", *error.absolute_path]
        if error.validator == "required":
            loc.append(error.message.split("'")[1])
        errors.append({"loc": loc, "msg": error.message[:200], "type": str(error.validator)})
    return errors


def _skill_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    for index, skill in enumerate(body.get("skills") or []):
        if skill.get("type") != "inline":
            continue
        data = (skill.get("source") or {}).get("data") or skill.get("bundle") or ""
        try:
            names = zipfile.ZipFile(io.BytesIO(base64.b64decode(data))).namelist()
        except (binascii.Error, zipfile.BadZipFile, ValueError):
            names = []
        if names.count("SKILL.md") != 1:
            errors.append(
                {
                    "loc": ["body", "skills", index, "source", "data"],
                    "msg": "the zip must hold exactly one SKILL.md",
                    "type": "value_error",
                }
            )
    return errors


def _value(schema: dict[str, Any], hollow: bool = False, depth: int = 0) -> Any:
    """A value valid against the small schemas the suite sends (``hollow``: nested objects {})."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        if hollow and depth > 0:
            return {}
        properties = schema.get("properties", {})
        return {name: _value(sub, hollow, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        return [_value(schema.get("items", {}), hollow, depth + 1)] * schema.get("minItems", 0)
    if kind == "string":
        size = max(schema.get("minLength", 0), 1)
        return "x" * min(size, schema.get("maxLength", size))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    return {"boolean": True, "null": None}.get(str(kind), "x")


def _reply(body: dict[str, Any], fault: str, streamed: bool) -> str:
    fmt = body.get("response_format") or {}
    if fmt and fault != "format":
        schema = fmt.get("schema") or fmt.get("json_schema") or {}
        return json.dumps(_value(schema, hollow=fault == "format-nested"))
    if fault == "stream-drift" and streamed and len(body.get("messages") or []) > 1:
        return "hello there!"
    return "hello there"


def create_app(token: str) -> FastAPI:
    app = FastAPI()
    sessions: dict[str, int] = {}

    @app.get("/v1/health")
    @app.get("/f/{fault}/v1/health")
    async def health(fault: str = "none") -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/openai/chat/completions")
    @app.post("/f/{fault}/v1/openai/chat/completions")
    async def chat(request: Request, fault: str = "none") -> Response:
        if fault == "hang":
            await asyncio.sleep(3600)
        auth = request.headers.get("authorization")
        if auth is not None and auth != f"Bearer {token}" and fault != "guest-token":
            return JSONResponse(
                {"detail": "invalid token"}, 401, headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse(
                {"detail": [{"loc": ["body"], "msg": "bad JSON", "type": "json_invalid"}]}, 422
            )
        errors = _errors(body) or (_skill_errors(body) if isinstance(body, dict) else [])
        if errors and fault != "accept-invalid":
            if fault == "loc":
                errors = [{**e, "loc": ["body"]} for e in errors]
            return JSONResponse({"detail": errors}, 422)
        if not isinstance(body, dict):
            body = {}
        session = body.get("session_id")
        if fault == "session-long" and isinstance(session, str):
            sessions[session] = sessions.get(session, 0) + 1
            if sessions[session] > _SESSION_TURNS:
                return JSONResponse({"detail": "session expired"}, 401)
        n = int(body.get("n") or 1)
        n = 1 if fault == "n" else min(n, _N_CAP) if fault == "n-cap" else n
        streamed = body.get("stream") is True
        text = _reply(body, fault, streamed)
        created, ident = int(time.time()), "chatcmpl-fixture"
        if streamed:
            return StreamingResponse(
                _stream(ident, created, n, text, fault), media_type="text/event-stream"
            )
        usage = {
            "prompt_tokens": 5,
            "completion_tokens": 2,
            "total_tokens": 7 if fault != "usage" else 9,
        }
        choices = [
            {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            for i in range(n)
        ]
        return JSONResponse(
            {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": "fixture",
                "choices": choices,
                "usage": usage,
            },
            201,
        )

    return app


async def _stream(ident: str, created: int, n: int, text: str, fault: str) -> AsyncIterator[str]:
    def chunk(choices: list[dict[str, Any]]) -> str:
        data = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": "fixture",
            "choices": choices,
        }
        return f"data: {json.dumps(data)}\n\n"

    yield chunk([{"index": i, "delta": {"role": "assistant", "content": ""}} for i in range(n)])
    yield chunk([{"index": i, "delta": {"content": text}} for i in range(n)])
    yield chunk([{"index": i, "delta": {}, "finish_reason": "stop"} for i in range(n)])
    if fault != "nodone":
        yield "data: [DONE]\n\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(token: str) -> Iterator[str]:
    """Serve the fixture app on a loopback port (a thread of this process); yield its root URL."""
    with serving_app(create_app(token)) as url:
        yield url


@contextlib.contextmanager
def serving_app(app: Any) -> Iterator[str]:
    """Serve any ASGI ``app`` on a loopback port (a thread of this process); yield its root URL."""
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
