"""Faults in how requests are judged: validation, auth, extensions, sessions, health."""

from __future__ import annotations

import json
from typing import Any

from ._asgi import Call, FaultHandler, Request, Response

__all__ = [
    "fault_400_not_422",
    "fault_422_wrong_loc",
    "fault_422_wrong_shape",
    "fault_accepts_skill_without_skill_md",
    "fault_anonymous_403",
    "fault_bad_token_as_guest",
    "fault_health_missing",
    "fault_invalid_accepted",
    "fault_rejects_flex_tier",
    "fault_rejects_inline_skill",
    "fault_rejects_vlmrun_field",
    "fault_session_second_turn_fails",
]

_VALID = {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 8}


def _body(request: Request) -> dict[str, Any]:
    payload = request.json() if request.is_chat else None
    return payload if isinstance(payload, dict) else {}


def _reject(response: Response, loc: list[str | int], msg: str, kind: str) -> Response:
    detail = [{"loc": ["body", *loc], "msg": msg, "type": kind}]
    return Response(status=422, headers=response.headers, body=b"").with_json({"detail": detail})


async def fault_invalid_accepted(request: Request, call: Call) -> Response:
    """An invalid body is answered like a valid one (a made-up completion, 201)."""
    response = await call(request)
    if request.is_chat and response.status == 422:
        return await call(request.with_json(_VALID))
    return response


async def fault_422_wrong_shape(request: Request, call: Call) -> Response:
    """A 422 whose body is ``{"detail": "bad"}`` instead of an HTTPValidationError."""
    response = await call(request)
    if response.status == 422:
        return response.with_json({"detail": "bad"})
    return response


async def fault_422_wrong_loc(request: Request, call: Call) -> Response:
    """A 422 whose every ``loc`` is just ``["body"]``: it never names the broken field."""
    response = await call(request)
    if response.status == 422 and response.is_json:
        payload = response.json()
        for error in payload.get("detail", []):
            error["loc"] = ["body"]
        return response.with_json(payload)
    return response


async def fault_400_not_422(request: Request, call: Call) -> Response:
    """Validation errors answered with 400 (same body)."""
    response = await call(request)
    if response.status == 422:
        return Response(status=400, headers=response.headers, body=response.body)
    return response


async def fault_bad_token_as_guest(request: Request, call: Call) -> Response:
    """A rejected bearer token is ignored: the caller is served as a guest."""
    response = await call(request)
    if response.status == 401:
        return await call(request.without_header("authorization"))
    return response


async def fault_anonymous_403(request: Request, call: Call) -> Response:
    """A caller without a token gets an undocumented 403."""
    if request.is_chat and request.header("authorization") is None:
        response = await call(request)
        return response.with_json({"detail": "Not authenticated"}, status=403)
    return await call(request)


async def fault_rejects_vlmrun_field(request: Request, call: Call) -> Response:
    """The ``vlmrun`` extra_body field is refused as an unknown field."""
    response = await call(request)
    if "vlmrun" in _body(request):
        return _reject(response, ["vlmrun"], "Extra inputs are not permitted", "extra_forbidden")
    return response


async def fault_rejects_flex_tier(request: Request, call: Call) -> Response:
    """``service_tier: flex`` is refused although the spec lists it."""
    response = await call(request)
    if _body(request).get("service_tier") == "flex":
        msg = "Input should be 'auto', 'default', 'standard' or 'priority'"
        return _reject(response, ["service_tier"], msg, "enum")
    return response


def _inline_skills(payload: dict[str, Any]) -> list[int]:
    skills = payload.get("skills")
    if not isinstance(skills, list):
        return []
    return [i for i, s in enumerate(skills) if isinstance(s, dict) and s.get("type") == "inline"]


async def fault_rejects_inline_skill(request: Request, call: Call) -> Response:
    """Every inline skill is refused, valid bundles included."""
    response = await call(request)
    inline = _inline_skills(_body(request))
    if inline and 200 <= response.status < 300:
        loc: list[str | int] = ["skills", inline[0], "source", "data"]
        return _reject(response, loc, "Invalid skill bundle", "value_error")
    return response


async def fault_accepts_skill_without_skill_md(request: Request, call: Call) -> Response:
    """Inline skill bundles are never inspected: a zip without SKILL.md is accepted."""
    response = await call(request)
    payload = _body(request)
    inline = set(_inline_skills(payload))
    if inline and response.status == 422:
        errors = response.json().get("detail", [])
        # Only the bundle errors are forgiven; any other error still stands.
        if all(list(e.get("loc", []))[:2] == ["body", "skills"] for e in errors):
            kept = [s for i, s in enumerate(payload["skills"]) if i not in inline]
            return await call(request.with_json({**payload, "skills": kept}))
    return response


class _Sessions:
    """Remembers the session ids seen, to fail every later turn of a session."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    async def __call__(self, request: Request, call: Call) -> Response:
        session = _body(request).get("session_id")
        response = await call(request)
        if not isinstance(session, str) or not 200 <= response.status < 300:
            return response
        if session in self.seen:
            return response.with_json({"detail": f"session {session} not found"}, status=404)
        self.seen.add(session)
        return response


def fault_session_second_turn_fails() -> FaultHandler:
    """A fresh handler (its own memory of sessions) per server."""
    return _Sessions()


async def fault_health_missing(request: Request, call: Call) -> Response:
    """``GET /v1/health`` is not routed."""
    if request.path.rstrip("/").endswith("/health"):
        body = json.dumps({"detail": "Not Found"}).encode()
        return Response(status=404, headers=((b"content-type", b"application/json"),), body=body)
    return await call(request)
