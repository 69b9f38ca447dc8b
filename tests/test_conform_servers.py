"""A small correct server for the conformance tests, with switchable faults (no tests here).

Run: python tests/test_conform_servers.py PORT TOKEN [FAULT]
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

FAULTS = ("none", "usage", "n", "nodone", "accept-invalid", "guest-token", "hang", "loc", "format")
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


def _value(schema: dict[str, Any]) -> Any:
    kind = schema.get("type", "object")
    if kind == "object":
        return {name: _value(sub) for name, sub in schema.get("properties", {}).items()}
    return {"string": "x", "number": 1.5, "integer": 1, "boolean": True, "array": []}.get(
        str(kind), "x"
    )


def _reply(body: dict[str, Any], fault: str) -> str:
    fmt = body.get("response_format") or {}
    if fmt and fault != "format":
        return json.dumps(_value(fmt.get("schema") or fmt.get("json_schema") or {}))
    return "hello there"


def create_app(token: str, fault: str = "none") -> FastAPI:
    app = FastAPI()

    @app.get("/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/openai/chat/completions")
    async def chat(request: Request) -> Response:
        if fault == "hang":
            time.sleep(3600)
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
        n = 1 if fault == "n" else int(body.get("n") or 1)
        text = _reply(body, fault)
        created, ident = int(time.time()), "chatcmpl-fixture"
        if body.get("stream") is True:
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


async def _stream(ident: str, created: int, n: int, text: str, fault: str) -> Any:
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


if __name__ == "__main__":
    port, key = int(sys.argv[1]), sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "none"
    print(f"vlmspec serve: listening on http://127.0.0.1:{port}", flush=True)
    uvicorn.run(create_app(key, mode), host="127.0.0.1", port=port, log_level="warning")
