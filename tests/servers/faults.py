"""The registry of deliberately faulty servers: one fault each, on top of the reference server."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import _faults_format as fmt
from . import _faults_request as req
from . import _faults_response as res
from ._asgi import ASGIApp, Call, FaultHandler, FaultMiddleware, Request, Response

__all__ = ["FAULTS", "Fault", "build_app", "passthrough"]


@dataclass(frozen=True)
class Fault:
    """One deliberate deviation from the spec and the conformance clause that must catch it."""

    name: str
    clause: str
    description: str
    make: Callable[[], FaultHandler]


def _fault(name: str, clause: str, description: str, handler: FaultHandler) -> Fault:
    return Fault(name, clause, description, lambda: handler)


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        _fault(
            "missing-usage",
            "response-schema",
            "success body lacks `usage`",
            res.fault_missing_usage,
        ),
        _fault(
            "wrong-object",
            "response-schema",
            "`object` is `chat_completion`",
            res.fault_wrong_object,
        ),
        _fault(
            "finish-reason-done",
            "response-schema",
            "finish_reason `done`",
            res.fault_finish_reason_done,
        ),
        _fault(
            "json-as-text-plain",
            "response-schema",
            "JSON labelled text/plain",
            res.fault_json_as_text,
        ),
        _fault(
            "500-on-image", "response-schema", "500 on a valid image part", res.fault_500_on_image
        ),
        _fault("stream-no-done", "stream-framing", "no `data: [DONE]`", res.fault_stream_no_done),
        _fault(
            "stream-id-changes",
            "stream-consistency",
            "chunk id changes mid-stream",
            res.fault_stream_id_changes,
        ),
        _fault(
            "stream-no-role",
            "stream-consistency",
            "no role in first delta",
            res.fault_stream_no_role,
        ),
        _fault(
            "stream-two-finish",
            "stream-consistency",
            "two finish_reasons per choice",
            res.fault_stream_two_finish,
        ),
        _fault(
            "stream-no-finish",
            "stream-consistency",
            "no finish_reason in a stream",
            res.fault_stream_no_finish,
        ),
        _fault(
            "stream-differs",
            "stream-equivalence",
            "streamed text differs from the JSON one",
            res.fault_stream_differs,
        ),
        _fault("n-ignored", "n-choices", "`n` ignored: always one choice", res.fault_n_ignored),
        _fault("n-wrong-index", "n-choices", "every choice has index 0", res.fault_n_wrong_index),
        _fault(
            "usage-total-wrong",
            "usage",
            "total_tokens != prompt + completion",
            res.fault_usage_total_wrong,
        ),
        _fault(
            "json-object-not-json",
            "response-format",
            "json_object content is prose",
            fmt.fault_json_object_not_json,
        ),
        _fault(
            "schema-flat-violation",
            "response-format",
            "content breaks a flat `schema` response_format",
            fmt.fault_schema_flat_violation,
        ),
        _fault(
            "schema-strict-violation",
            "response-format",
            "content breaks a `json_schema` response_format",
            fmt.fault_schema_strict_violation,
        ),
        _fault(
            "invalid-accepted",
            "validation-rejects",
            "invalid body answered 2xx",
            req.fault_invalid_accepted,
        ),
        _fault(
            "422-wrong-shape",
            "validation-rejects",
            '422 body `{"detail": "bad"}`',
            req.fault_422_wrong_shape,
        ),
        _fault(
            "422-wrong-loc",
            "validation-rejects",
            "422 loc never names the field",
            req.fault_422_wrong_loc,
        ),
        _fault("400-not-422", "validation-rejects", "400 instead of 422", req.fault_400_not_422),
        _fault(
            "bad-token-as-guest",
            "auth-invalid-token",
            "invalid token served as a guest",
            req.fault_bad_token_as_guest,
        ),
        _fault(
            "anonymous-403",
            "auth-anonymous",
            "guests get an undocumented 403",
            req.fault_anonymous_403,
        ),
        _fault(
            "rejects-vlmrun-field",
            "extensions",
            "the `vlmrun` extra field is refused",
            req.fault_rejects_vlmrun_field,
        ),
        _fault(
            "rejects-flex-tier",
            "extensions",
            "service_tier `flex` is refused",
            req.fault_rejects_flex_tier,
        ),
        _fault(
            "rejects-inline-skill",
            "skills",
            "a valid inline skill is refused",
            req.fault_rejects_inline_skill,
        ),
        _fault(
            "accepts-skill-without-skill-md",
            "skills",
            "a zip without SKILL.md is accepted",
            req.fault_accepts_skill_without_skill_md,
        ),
        Fault(  # stateful: a factory, so that each server remembers its own sessions
            "session-second-turn-fails",
            "session-continuity",
            "second turn of a session answers 404",
            req.fault_session_second_turn_fails,
        ),
        _fault("health-missing", "health", "GET /v1/health is 404", req.fault_health_missing),
    )
}


async def passthrough(request: Request, call: Call) -> Response:
    """No fault: every request goes to the reference server unchanged."""
    return await call(request)


def build_app(fault: str | None, *, api_keys: Sequence[str] = (), wrap: bool = True) -> ASGIApp:
    """The reference server with ``fault``; None: unchanged (``wrap``: behind the passthrough)."""
    from vlmspec import refserver

    app: ASGIApp = refserver.create_app(api_keys=api_keys)
    if fault is None:
        return FaultMiddleware(app, passthrough) if wrap else app
    return FaultMiddleware(app, FAULTS[fault].make())
