"""The suite's Hypothesis strategies and the checks the property cases rely on (no server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conform_fixture_servers import _value
from vlmspec.codegen import spec_for_testing
from vlmspec.conformance import Spec, load_spec
from vlmspec.conformance._clauses import Ledger
from vlmspec.conformance._context import Context, Settings
from vlmspec.conformance._http import Budget, Exchange, RateLimiter, Transport
from vlmspec.conformance._probes_core import judge_indexes
from vlmspec.conformance._redact import Redactor
from vlmspec.conformance._strategies import conversations, draw, object_schemas, response_formats
from vlmspec.conformance._target import target_from_base_url


@pytest.fixture(scope="module")
def spec() -> Spec:
    path = spec_for_testing()
    assert isinstance(path, Path), path
    return load_spec(path)


def test_draws_are_replayable_from_the_seed() -> None:
    first = draw(object_schemas(), 8, 42)
    assert first == draw(object_schemas(), 8, 42)
    assert first != draw(object_schemas(), 8, 43)
    assert len(first) == 8


def test_generated_schemas_are_valid_and_satisfiable() -> None:
    for schema in draw(object_schemas(), 40, 1):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object"
        # a witness built from the bounds proves every drawn schema can be answered
        jsonschema.validate(_value(schema), schema)


def test_generated_requests_are_valid_per_the_spec(spec: Spec) -> None:
    for messages, fmt in zip(
        draw(conversations(), 30, 2), draw(response_formats(), 30, 2), strict=True
    ):
        assert messages[-1]["role"] == "user"
        body = {"messages": messages, "response_format": fmt, "max_tokens": 16}
        assert spec.validate("AgentChatCompletionsRequest", body) == []


def test_fast_and_worded_validation_agree(spec: Spec) -> None:
    chunk: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "x"}}],
    }
    assert spec.validate("ChatCompletionChunk", chunk) == []
    problems = spec.validate("ChatCompletionChunk", {**chunk, "created": -1})
    assert problems and "created" in problems[0]
    # an integer beyond 64 bits still gets a worded verdict, not a crash
    assert spec.validate("ChatCompletionChunk", {**chunk, "created": 10**30}) == []


def _context(spec: Spec) -> Context:
    transport = Transport(Budget(0), RateLimiter(None))
    return Context(
        task="t",
        spec=spec,
        target=target_from_base_url("http://127.0.0.1:9/v1", None),
        transport=transport,
        ledger=Ledger(),
        redactor=Redactor(),
        settings=Settings(seed=0),
    )


@pytest.mark.parametrize(
    ("n", "indexes", "ok"),
    [
        (12, list(range(12)), True),
        (128, list(reversed(range(128))), True),
        (12, list(range(11)), False),
        (3, [0, 1, 1], False),
        (2, [0, True], False),
        (2, ["0", "1"], False),
    ],
)
def test_choice_indexes_must_be_exactly_0_to_n_minus_1(
    spec: Spec, n: int, indexes: list[Any], ok: bool
) -> None:
    ctx = _context(spec)
    judge_indexes(ctx, n, indexes, Exchange("POST", "http://x", {}))
    result = ctx.ledger.finish()
    verdict = next(r for r in result if r.id == "n-choices")
    assert verdict.status == ("pass" if ok else "fail")


def test_short_tokens_are_masked_as_words_only() -> None:
    redactor = Redactor("tok")
    assert redactor.text("total_tokens tok 'tok'") == "total_tokens *** '***'"
    assert Redactor("a-long-secret-value").text("xa-long-secret-valuey") == "x***y"


@pytest.mark.parametrize(
    "body",
    [
        {"messages": [{"role": "user", "content": "hi"}], "preview": True},
        # the bundle allows these; OpenAI's request contract refuses them with a 400
        {"messages": [{"role": "user", "content": "hi"}], "zz": 1},
        {"messages": []},
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
    ],
)
def test_generated_bodies_do_not_judge_accepts_under_openai(
    spec: Spec, monkeypatch: pytest.MonkeyPatch, body: dict[str, Any]
) -> None:
    """--target openai: VLM Run's fields are never sent, and a refused generated body is not
    a validation-accepts failure (VLM Run's request schema is looser than OpenAI's)."""
    from vlmspec.conformance import _fuzz

    sent: list[Any] = []
    ctx = _context(spec)
    ctx.settings = Settings(seed=0, target="openai", out_of_scope_fields=frozenset({"preview"}))

    def chat(request: Any, **_: Any) -> Exchange:
        sent.append(request)
        return Exchange("POST", "http://x", {}, status=422, content=b'{"detail": "no"}')

    monkeypatch.setattr(ctx, "chat", chat)
    monkeypatch.setattr(_fuzz, "_run_checks", lambda *_: None)
    case = type("FakeCase", (), {"body": dict(body)})()
    _fuzz._send_case(ctx, case)
    assert "preview" not in sent[0]
    verdict = next(r for r in ctx.ledger.finish() if r.id == "validation-accepts")
    assert verdict.status != "fail", verdict.failures
    assert any("looser than OpenAI" in reason for reason in verdict.unjudged)
    # the same refusal under the VLM Run contract is a failure
    ctx = _context(spec)
    monkeypatch.setattr(ctx, "chat", chat)
    _fuzz._send_case(ctx, type("FakeCase", (), {"body": {"messages": [], "zz": 1}})())
    verdict = next(r for r in ctx.ledger.finish() if r.id == "validation-accepts")
    assert verdict.status == "fail"


def test_a_stream_cut_short_is_not_compared(spec: Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    """stream-equivalence on a stream cut by --timeout: not judged, never a failure."""
    from vlmspec.conformance._probes_core import compare_stream

    reply = (
        b'{"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": '
        b'[{"index": 0, "message": {"role": "assistant", "content": "one two three"}, '
        b'"finish_reason": "length"}]}'
    )
    head = b'data: {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", '
    cut = head + b'"choices": [{"index": 0, "delta": {"content": "one"}}]}\n\n'
    ctx = _context(spec)

    def chat(body: dict[str, Any], **_: Any) -> Exchange:
        streamed = body.get("stream") is True
        exchange = Exchange(
            "POST",
            "http://x",
            {},
            body=body,
            status=200,
            response_headers={
                "content-type": "text/event-stream" if streamed else "application/json"
            },
            content=cut if streamed else reply,
            error="response not complete within --timeout 10 s" if streamed else None,
        )
        ctx.last_sent = exchange
        return exchange

    monkeypatch.setattr(ctx, "chat", chat)
    compare_stream(ctx, {"messages": [{"role": "user", "content": "hi"}], "temperature": 0})
    verdict = next(r for r in ctx.ledger.finish() if r.id == "stream-equivalence")
    assert verdict.status != "fail", verdict.failures
    assert any("stream incomplete" in reason for reason in verdict.unjudged)
