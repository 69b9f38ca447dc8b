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

from ._context import Context
from ._http import Exchange
from ._probes_rules import loc_problems
from ._spec import CHAT_PATH, Spec
from ._strategies import GENERATION_LOCK, draw
from ._stream import parse_stream

__all__ = ["FUZZ_KINDS", "generate_cases", "probe_fuzz"]

Case = _Case[Any]

FUZZ_KINDS = ("examples", "coverage", "positive", "negative")
_CACHE: dict[tuple[str, str, int, int], list[Case]] = {}


@schemathesis.check
def vlmspec_stream_chunks(ctx: Any, response: Any, case: Case) -> bool | None:
    """Every `data` of an event stream is a ChatCompletionChunk and `[DONE]` ends it."""
    media = (response.headers.get("content-type") or [""])[0]
    if response.status_code >= 300 or not media.startswith("text/event-stream"):
        return None
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
    return True


def _completion(response: Any) -> dict[str, Any] | None:
    media = (response.headers.get("content-type") or [""])[0]
    if response.status_code >= 300 or not media.startswith("application/json"):
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@schemathesis.check
def vlmspec_usage_sum(ctx: Any, response: Any, case: Case) -> bool | None:
    """usage.total_tokens equals prompt_tokens + completion_tokens."""
    usage = (_completion(response) or {}).get("usage")
    if not isinstance(usage, dict):
        return None
    if usage.get("total_tokens") != usage.get("prompt_tokens", 0) + usage.get(
        "completion_tokens", 0
    ):
        raise AssertionError(f"usage does not add up: {usage}")
    return True


@schemathesis.check
def vlmspec_choice_count(ctx: Any, response: Any, case: Case) -> bool | None:
    """A completion has exactly n choices with indexes 0..n-1."""
    data = _completion(response)
    if data is None or not isinstance(case.body, dict) or not isinstance(data.get("choices"), list):
        return None
    n = case.body.get("n") or 1
    if not isinstance(n, int | float):
        return None
    indexes = sorted(str(c.get("index")) for c in data["choices"] if isinstance(c, dict))
    if indexes != sorted(str(i) for i in range(int(n))):
        raise AssertionError(f"n={n} gave choice indexes {indexes[:10]}")
    return True


_CHECKS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("response-schema", builtin.status_code_conformance),
    ("response-schema", builtin.content_type_conformance),
    ("response-schema", builtin.response_schema_conformance),
    ("stream-framing", vlmspec_stream_chunks),
    ("usage", vlmspec_usage_sum),
    ("n-choices", vlmspec_choice_count),
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
            operation = schema[CHAT_PATH]["POST"]
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
    if isinstance(body, dict) and not ctx.spec.validate("AgentChatCompletionsRequest", body):
        # Positive bodies stay valid with a small reply budget; the check needs no more.
        body = ctx.pin(dict(body))
        if isinstance(body.get("n"), int | float):
            body["n"] = min(int(body["n"]), 2)
        case.body = body
    valid = not ctx.spec.validate("AgentChatCompletionsRequest", body)
    exchange = ctx.chat(body)
    if valid and _semantic_reject(body, exchange):
        ctx.ledger.note(
            "validation-accepts",
            "422s naming a generated JSON Schema or skill zip are accepted (content the "
            "OpenAPI schema cannot constrain)",
        )
        ctx.judge("validation-accepts", [], exchange)
    elif valid:
        ctx.served("validation-accepts", exchange)
    elif exchange.status in (401, 429) or (exchange.error and exchange.status is None):
        ctx.judge("validation-rejects", [exchange.error] if exchange.error else [], exchange)
    else:
        problems = (
            []
            if exchange.status == 422
            else [f"a body invalid per the schema got HTTP {exchange.status}, expected 422"]
        )
        ctx.judge("validation-rejects", problems, exchange)
    if exchange.status is not None and not exchange.error:
        _run_checks(ctx, case, exchange)


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
    for clause, check in _CHECKS:
        try:
            case.validate_response(response, checks=[check])
        except FailureGroup as group:
            messages = [f"{f.title}: {' '.join(f.message.split())[:300]}" for f in group.exceptions]
            ctx.judge(clause, messages, exchange)
        except AssertionError as exc:
            ctx.judge(clause, [" ".join(str(exc).split())[:300]], exchange)
        else:
            ctx.judge(clause, [], exchange)
