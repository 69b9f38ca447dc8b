"""Check sample responses against the bundled spec and time streamed completions."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from _server_wrk import CHAT_PATH
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_SPEC_URI = "urn:vlmspec:openapi"


class SpecSchemas:
    """Validators for the bundled spec's component schemas."""

    def __init__(self, spec_path: Path) -> None:
        document = yaml.safe_load(spec_path.read_text())
        resource = DRAFT202012.create_resource(document)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)

    def errors(self, component: str, instance: object) -> list[str]:
        """Validation messages for `instance` against components/schemas/`component`."""
        schema = {"$ref": f"{_SPEC_URI}#/components/schemas/{component}"}
        validator = Draft202012Validator(schema, registry=self._registry)
        found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


@dataclass(frozen=True)
class SampleCheck:
    """Whether one non-streamed response is a valid ChatCompletion, and what it said."""

    status: int
    valid: bool
    note: str


def check_completion(base_url: str, body: str, token: str, schemas: SpecSchemas) -> SampleCheck:
    """POST `body` once and validate the reply against ChatCompletion."""
    response = httpx.post(
        base_url + CHAT_PATH,
        content=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    if not response.content.strip() or response.content.strip() == b"null":
        return SampleCheck(response.status_code, False, "null/empty body")
    try:
        payload = response.json()
    except ValueError:
        return SampleCheck(response.status_code, False, "body is not JSON")
    if not 200 <= response.status_code < 300:
        return SampleCheck(response.status_code, False, f"non-2xx: {_short(payload)}")
    problems = schemas.errors("ChatCompletion", payload)
    if problems:
        return SampleCheck(response.status_code, False, "; ".join(problems[:3]))
    choices = payload.get("choices") or [{}]
    content = (choices[0].get("message") or {}).get("content")
    return SampleCheck(response.status_code, True, f"content={_short(content)}")


@dataclass(frozen=True)
class StreamStats:
    """Timings of N sequential streamed completions, or why streaming failed."""

    requests: int
    ok: int
    ttfb_p50_ms: float
    ttfb_p99_ms: float
    total_p50_ms: float
    total_p99_ms: float
    failure: str | None


def time_streams(
    base_url: str, body: str, token: str, schemas: SpecSchemas, *, count: int, budget_s: float
) -> StreamStats:
    """Stream `body` up to `count` times (stopping after `budget_s`), timing first byte and end."""
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Accept": "text/event-stream",
    }
    ttfb: list[float] = []
    total: list[float] = []
    failure: str | None = None
    attempts = 0
    deadline = time.monotonic() + budget_s
    with httpx.Client(timeout=30.0) as client:
        while attempts < count and time.monotonic() < deadline:
            attempts += 1
            start = time.perf_counter()
            first: float | None = None
            chunks: list[bytes] = []
            with client.stream("POST", base_url + CHAT_PATH, content=body, headers=headers) as r:
                for chunk in r.iter_raw():
                    if first is None:
                        first = time.perf_counter()
                    chunks.append(chunk)
                end = time.perf_counter()
                content_type = r.headers.get("content-type", "")
                status = r.status_code
            problem = _stream_problem(status, content_type, b"".join(chunks), schemas)
            if problem is not None:
                failure = problem
                break
            ttfb.append(((first or end) - start) * 1000)
            total.append((end - start) * 1000)
    return StreamStats(
        requests=attempts,
        ok=len(total),
        ttfb_p50_ms=_pct(ttfb, 50),
        ttfb_p99_ms=_pct(ttfb, 99),
        total_p50_ms=_pct(total, 50),
        total_p99_ms=_pct(total, 99),
        failure=failure,
    )


def _stream_problem(status: int, content_type: str, raw: bytes, schemas: SpecSchemas) -> str | None:
    """Why a streamed reply is not a valid ChatCompletionChunk stream ended by [DONE], if so."""
    if not 200 <= status < 300 or not content_type.startswith("text/event-stream"):
        kind = content_type or "(no content-type)"
        return f"HTTP {status} {kind}: {_error_text(raw)}"
    data = [
        line[len("data:") :].strip()
        for line in raw.decode(errors="replace").splitlines()
        if line.startswith("data:")
    ]
    if not data or data[-1] != "[DONE]":
        return "stream did not end with data: [DONE]"
    if len(data) < 2:
        return "stream had no chunk before [DONE]"
    for item in data[:-1]:
        try:
            chunk = json.loads(item)
        except ValueError:
            return f"data is not JSON: {_short(item)}"
        problems = schemas.errors("ChatCompletionChunk", chunk)
        if problems:
            return f"invalid ChatCompletionChunk: {problems[0]}"
    return None


def _error_text(raw: bytes) -> str:
    """The gist of an error body: a problem+json title or a `detail`, else the text itself."""
    text = raw.decode(errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        return _short(text)
    if isinstance(payload, dict):
        for key in ("title", "detail", "error"):
            if key in payload:
                return _short(payload[key])
    return _short(payload)


def _pct(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _short(value: object, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
