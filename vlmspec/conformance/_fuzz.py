"""Schemathesis phases (examples, coverage, fuzzing; positive and negative) with our checks."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import requests
import schemathesis
from schemathesis import Case as _Case
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.meta import REQUEST_SHAPE_PROBES, CoveragePhaseData
from schemathesis.specs.openapi import checks as builtin

from ._context import Context, openai_error
from ._http import Exchange
from ._probes_core import index_problems, usage_problems
from ._probes_rules import judge_rejected, loc_problems
from ._spec import Spec
from ._strategies import GENERATION_LOCK, draw
from ._stream import parse_stream

__all__ = ["FUZZ_KINDS", "generate_cases", "probe_fuzz"]

Case = _Case[Any]

FUZZ_KINDS = ("examples", "coverage", "positive", "negative")
_CACHE: dict[tuple[str, str, int, int], list[Case]] = {}


# Schemathesis' check convention (schemathesis.checks.run_checks): raise to fail, return a
# truthy value when the check does not apply (skipped), None when it judged and passed. Our checks
# return the reason they did not apply, so "not applicable" is counted as not judged, never a pass.
# A reason starting with "n/a:" means the response is outside the check's domain (an error answer,
# a non-streamed request for a stream check): nothing there could have been judged, so it is not
# counted at all; any other reason is a served reply the check could not judge, and is shown.
_OUTSIDE = "n/a: "


def _media(response: Any) -> str:
    value = (response.headers.get("content-type") or [""])[0]
    return str(value).split(";")[0].strip().lower()


@schemathesis.check
def vlmspec_stream_chunks(ctx: Any, response: Any, case: Case) -> Any:
    """Every `data` of an event stream is a ChatCompletionChunk and `[DONE]` ends it."""
    if response.status_code >= 300:
        return f"{_OUTSIDE}HTTP {response.status_code}"
    if not (isinstance(case.body, dict) and case.body.get("stream") is True):
        return f"{_OUTSIDE}not a streamed request"
    if _media(response) != "text/event-stream":
        return "reply is not an event stream"
    stream = parse_stream(response.content)
    spec: Spec = case.operation.schema.vlmspec_spec
    problems = list(stream.framing)
    problems += [
        p
        for chunk in stream.chunks
        if chunk is not None
        for p in spec.validate("ChatCompletionChunk", chunk)
    ][:3]
    if problems:
        raise AssertionError("; ".join(problems))
    return None


def _completion(response: Any, case: Case) -> dict[str, Any] | str:
    """The JSON completion of a served reply, or why there is none."""
    if response.status_code >= 300:
        return f"{_OUTSIDE}HTTP {response.status_code}"
    if isinstance(case.body, dict) and case.body.get("stream") is True:
        return f"{_OUTSIDE}a streamed request"
    if _media(response) != "application/json":
        return "reply is not application/json"
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError):
        return "reply is not JSON"
    return data if isinstance(data, dict) else "reply is not a JSON object"


@schemathesis.check
def vlmspec_usage_sum(ctx: Any, response: Any, case: Case) -> Any:
    """usage.total_tokens equals prompt_tokens + completion_tokens."""
    data = _completion(response, case)
    if isinstance(data, str):
        return data
    usage = data.get("usage")
    if not isinstance(usage, dict):
        return "reply carries no usage object"
    problems = usage_problems(usage)
    if problems:
        raise AssertionError(problems[0])
    return None


@schemathesis.check
def vlmspec_choice_count(ctx: Any, response: Any, case: Case) -> Any:
    """A completion has exactly n choices with indexes 0..n-1."""
    data = _completion(response, case)
    if isinstance(data, str):
        return data
    if not isinstance(case.body, dict) or not isinstance(data.get("choices"), list):
        return "reply has no choices list"
    n = case.body.get("n") or 1
    if not isinstance(n, int) or isinstance(n, bool):
        return "request has no integer n"
    problems = index_problems(n, [c.get("index") for c in data["choices"] if isinstance(c, dict)])
    if problems:
        raise AssertionError(problems[0])
    return None


def _documented(spec: Spec, exchange: Exchange) -> dict[str, Any]:
    found = spec.documented(exchange.status or 0) or {}
    content: dict[str, Any] = found.get("content") or {}
    return content


def _builtin_applies(name: str, spec: Spec, exchange: Exchange) -> str | None:
    """Why a Schemathesis built-in check cannot judge this response (None: it can).

    The built-ins return None both when they passed and when they did not apply (no schema for
    the status, no documented content): we decide applicability from the bundle instead.
    """
    content = _documented(spec, exchange)
    if name == "status_code_conformance":
        return None
    if not content:
        return f"{_OUTSIDE}HTTP {exchange.status} documents no content"
    if name == "response_schema_conformance":
        media = exchange.content_type
        if media not in content or "schema" not in content[media]:
            return f"no schema documented for HTTP {exchange.status} {media or '(untyped)'}"
        if media == "application/json" and exchange.json() is None:
            return "reply is not JSON"
    return None


_CHECKS: tuple[tuple[str, Callable[..., Any], str], ...] = (
    ("response-schema", builtin.status_code_conformance, "schemathesis:status_code_conformance"),
    ("response-schema", builtin.content_type_conformance, "schemathesis:content_type_conformance"),
    (
        "response-schema",
        builtin.response_schema_conformance,
        "schemathesis:response_schema_conformance",
    ),
    ("stream-framing", vlmspec_stream_chunks, "vlmspec_stream_chunks"),
    # Same check names and messages as the probes': one fault, one failure signature.
    ("usage", vlmspec_usage_sum, "usage-sum"),
    ("n-choices", vlmspec_choice_count, "choice-indexes"),
)


@functools.cache
def _schema(spec: Spec) -> Any:
    config = schemathesis.Config.from_dict({"output": {"sanitization": {"enabled": False}}})
    schema = schemathesis.openapi.from_dict(spec.document, config=config)
    schema.vlmspec_spec = spec  # type: ignore[attr-defined]
    return schema


def _draw(strategies: list[Any], count: int, run_seed: int) -> list[Case]:
    return [case for strategy in strategies for case in draw(strategy, count, run_seed)]


def _spread(pool: list[Case], count: int, run_seed: int) -> list[Case]:
    """``count`` cases evenly spread over ``pool``, offset by the seed."""
    if count <= 0 or not pool:
        return []
    step = max(1, len(pool) // count)
    return pool[run_seed % step :: step][:count]


def _coverage(schema: Any, operation: Any, count: int, run_seed: int) -> list[Case]:
    """Half positive, half negative cases from the whole (cheap, deterministic) coverage pool."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    config = schema.config.generation_for(operation=operation)
    pool = list(
        schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=config)
    )
    # The pool lists every positive case before the first negative one.
    positive = [c for c in pool if c.meta and c.meta.generation.mode == GenerationMode.POSITIVE]
    negative = [
        c for c in pool if not (c.meta and c.meta.generation.mode == GenerationMode.POSITIVE)
    ]
    half = count // 2
    return _spread(positive, count - half, run_seed) + _spread(negative, half, run_seed)


def generate_cases(spec: Spec, kind: str, count: int, run_seed: int) -> list[Case]:
    """``count`` cases of one kind, the same for the same seed (cached per process)."""
    key = (spec.digest, kind, count, run_seed)
    with GENERATION_LOCK:
        if key not in _CACHE:
            schema = _schema(spec)
            operation = schema[spec.chat_path]["POST"]
            if kind == "examples":
                cases = _draw(schema.get_strategies_from_examples(operation), 1, run_seed)
            elif kind == "coverage":
                cases = _coverage(schema, operation, count, run_seed)
            else:
                mode = GenerationMode.POSITIVE if kind == "positive" else GenerationMode.NEGATIVE
                cases = _draw([operation.as_strategy(generation_mode=mode)], count, run_seed)[
                    :count
                ]
            _CACHE[key] = cases
        return _CACHE[key]


def _sendable(case: Case) -> bool:
    data = case.meta.phase.data if case.meta else None
    if isinstance(data, CoveragePhaseData) and data.scenario in REQUEST_SHAPE_PROBES:
        return False
    if case.body is NOT_SET or case.media_type not in (None, "application/json"):
        return False
    try:
        json.dumps(case.body, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def probe_fuzz(ctx: Context, kind: str, part: int, parts: int) -> None:
    """Send slice ``part`` of ``parts`` of one generated kind and judge each response."""
    cases = generate_cases(ctx.spec, kind, ctx.settings.cases_of(kind), ctx.settings.seed)
    for case in cases[part::parts]:
        if not _sendable(case):
            continue
        generated = case.body
        try:
            _send_case(ctx, case)
        finally:
            case.body = generated  # the cached case stays as generated (a replay sends it again)


def _send_case(ctx: Context, case: Case) -> None:
    body = case.body
    dropped = ctx.settings.out_of_scope_fields
    if isinstance(body, dict) and dropped & body.keys():
        # a target never gets the fields of a pack it does not claim (Pack.fields)
        body = {key: value for key, value in body.items() if key not in dropped}
        case.body = body
    if isinstance(body, dict) and not ctx.spec.validate("AgentChatCompletionsRequest", body):
        # Positive bodies stay valid with a small reply budget; the check needs no more.
        body = ctx.pin(dict(body))
        if isinstance(body.get("n"), int | float):
            body["n"] = min(int(body["n"]), 2)
        case.body = body
    valid = not ctx.spec.validate("AgentChatCompletionsRequest", body)
    exchange = ctx.chat(body)
    outside = _outside_target(ctx, body) if valid else None
    if outside is not None:
        ctx.skip("validation-accepts", outside)
    elif valid and _semantic_reject(body, exchange):
        ctx.ledger.note(
            "validation-accepts",
            "422s naming a generated JSON Schema or skill zip are accepted (content the "
            "OpenAPI schema cannot constrain)",
        )
        ctx.judge("validation-accepts", [], exchange, check="semantic-422")
    elif valid:
        ctx.served("validation-accepts", exchange)
    elif exchange.status is None:
        # response-schema already failed the missing answer; the body's verdict is unknown.
        ctx.skip("validation-rejects", f"no response ({exchange.error or 'transport error'})")
    else:
        judge_rejected(ctx, "validation-rejects", exchange, None)
    if exchange.status is not None and not exchange.error:
        _run_checks(ctx, case, exchange)


def _outside_target(ctx: Context, body: Any) -> str | None:
    """Why a body the bundle calls valid cannot judge validation-accepts under the declared
    target, or None. The bundle is VLM Run's: it accepts bodies OpenAI's request contract
    refuses with a 400 (undeclared fields, an empty `messages`, a text part without `text`),
    and OpenAI's request schema is not bundled; under ``--target openai`` the spec's examples
    judge the clause, a generated body only response-schema."""
    if ctx.settings.target != "openai" or not isinstance(body, dict):
        return None
    return "generated from VLM Run's request schema, looser than OpenAI's (--target openai)"


# Fields whose content (a JSON Schema, a zip) the OpenAPI schema cannot constrain: a server may
# reject what it carries with a 422 naming the field (the contract's semantic 422).
_CONTENT_FIELDS: tuple[tuple[str, ...], ...] = (("response_format",), ("skills",))


def _semantic_reject(body: Any, exchange: Exchange) -> bool:
    if exchange.status != 422 or not isinstance(body, dict):
        return False
    return any(
        body.get(path[0]) is not None and not loc_problems(exchange, path)
        for path in _CONTENT_FIELDS
    )


def _run_checks(ctx: Context, case: Case, exchange: Exchange) -> None:
    request = requests.Request(
        exchange.method,
        exchange.url,
        data=exchange.raw_body or json.dumps(case.body).encode(),
        headers={"content-type": "application/json"},
    ).prepare()
    assert exchange.status is not None
    response = schemathesis.Response(
        status_code=exchange.status,
        headers={k: [v] for k, v in exchange.response_headers.items()},
        content=exchange.content,
        request=request,
        elapsed=exchange.elapsed,
        verify=True,
    )
    openai = ctx.settings.accept_openai_errors and openai_error(exchange)
    for clause, check, name in _CHECKS:
        if openai and ":" in name:
            continue  # OpenAI's error answer: documented-response judged it (--target openai)
        reason = _builtin_applies(check.__name__, ctx.spec, exchange) if ":" in name else None
        if reason is not None:
            _skip(ctx, clause, name, reason)
            continue
        outcome: list[Any] = []

        def recording(
            context: Any,
            answer: Any,
            sent: Case,
            check: Callable[..., Any] = check,
            outcome: list[Any] = outcome,
        ) -> Any:
            outcome.append(check(context, answer, sent))
            return outcome[-1]

        recording.__name__ = check.__name__
        try:
            case.validate_response(response, checks=[recording])
        except FailureGroup as group:
            messages = [_failure_text(f, builtin=":" in name) for f in group.exceptions]
            ctx.judge(clause, messages, exchange, check=name)
        except AssertionError as exc:
            ctx.judge(clause, [" ".join(str(exc).split())[:300]], exchange, check=name)
        else:
            if outcome and outcome[-1]:  # truthy: the check did not apply (Schemathesis' skip)
                _skip(ctx, clause, name, str(outcome[-1]))
            else:
                ctx.judge(clause, [], exchange, check=name)


def _failure_text(failure: Any, *, builtin: bool) -> str:
    """A built-in's title and message; our own checks' message alone (it names the rule)."""
    message = " ".join(failure.message.split())[:300]
    return f"{failure.title}: {message}" if builtin else message


def _skip(ctx: Context, clause: str, check: str, reason: str) -> None:
    if not reason.startswith(_OUTSIDE):
        ctx.skip(clause, f"{check}: {reason}")
