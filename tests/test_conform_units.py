"""Unit tests of the conformance engine's pieces (no server needed)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from vlmspec.conformance import ConfigError, load_spec, merge_reports, target_from_base_url
from vlmspec.conformance._http import Budget, BudgetExhausted, Exchange, RateLimiter, Transport
from vlmspec.conformance._probes_rules import loc_problems
from vlmspec.conformance._redact import Redactor
from vlmspec.conformance._spec import url_for
from vlmspec.conformance._stream import parse_stream


def test_base_url_maps_to_chat_and_health() -> None:
    # the health route is resolved from the bundle's paths, relative to its chat path
    spec = load_spec(Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml")
    assert spec.chat_path == "/v1/openai/chat/completions"
    target = target_from_base_url("https://api.vlm.run/v1/openai/", "t")
    assert target.chat_url == "https://api.vlm.run/v1/openai/chat/completions"
    assert spec.url(target.base_url, "/v1/health") == "https://api.vlm.run/v1/health"
    other = target_from_base_url("http://127.0.0.1:8000/v1", None)
    assert other.chat_url == "http://127.0.0.1:8000/v1/chat/completions"
    assert spec.url(other.base_url, "/v1/health") == "http://127.0.0.1:8000/v1/health"
    # a base URL that does not end like the bundle's: the route goes below it
    assert url_for("http://h/api", "/v1/openai", "/v1/health") == "http://h/api/health"
    # limits come from the bundle (overlay 040), not from a constant
    assert spec.n_max == 128
    with pytest.raises(ConfigError):
        target_from_base_url("ftp://x/v1", None)


def test_stream_parsing_and_consistency() -> None:
    good = (
        b'data: {"id":"a","choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n'
        b'data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"},'
        b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    )
    stream = parse_stream(good)
    assert stream.done and not stream.framing and not stream.consistency()
    assert stream.reassembled() == {0: {"content": "hi", "finish_reason": "stop"}}
    cut = parse_stream(good.replace(b"data: [DONE]\n\n", b""))
    assert any("[DONE]" in problem for problem in cut.framing)
    mixed = parse_stream(
        good.replace(
            b'"id":"a","choices":[{"index":0,"delta":{"content"',
            b'"id":"b","choices":[{"index":0,"delta":{"content"',
        )
    )
    assert any("different ids" in problem for problem in mixed.consistency())


def _exchange(status: int, body: bytes) -> Exchange:
    exchange = Exchange("POST", "http://x", {}, status=status, content=body)
    exchange.response_headers = {"content-type": "application/json"}
    return exchange


def test_loc_must_name_the_mutated_field() -> None:
    named = _exchange(
        422, b'{"detail":[{"loc":["body","messages",0,"role"],"msg":"m","type":"t"}]}'
    )
    assert loc_problems(named, ("messages", 0, "role")) == []
    assert loc_problems(named, ("max_tokens",))
    assert loc_problems(_exchange(200, b"{}"), ("n",))


def test_redaction_keeps_max_tokens_and_session_id() -> None:
    redactor = Redactor("sekrit-token-123")
    exchange = Exchange(
        "POST",
        "http://x",
        {"authorization": "Bearer sekrit-token-123"},
        body={"max_tokens": 16, "session_id": "s-1", "api_key": "k"},
    )
    curl = redactor.curl(exchange, "sekrit-token-123")
    assert "sekrit" not in curl and "$VLMRUN_API_KEY" in curl
    assert '"max_tokens": 16' in curl and '"session_id": "s-1"' in curl and '"k"' not in curl


def test_budget_is_a_hard_cap() -> None:
    budget = Budget(2)
    budget.take()
    budget.take()
    with pytest.raises(BudgetExhausted):
        budget.take()
    assert budget.exhausted and budget.used == 2


def test_merge_fails_a_clause_failed_in_any_shard() -> None:
    clause = {
        "id": "usage",
        "title": "u",
        "status": "pass",
        "checks": 1,
        "failed": 0,
        "requests": 1,
        "busy_seconds": 0.1,
        "failures": [],
        "notes": [],
    }
    failed = {**clause, "status": "fail", "failed": 1, "failures": [{"message": "m"}]}
    merged = merge_reports(
        [{"requests": 1, "clauses": [clause]}, {"requests": 1, "clauses": [failed]}]
    )
    assert merged["conformant"] is False and merged["clauses"][0]["checks"] == 2


def test_a_dripping_server_is_cut_off_by_the_request_deadline() -> None:
    """httpx's timeouts bound each read; the transport bounds the whole request."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            # a complete answer in ~2.5 s, each byte well within the per-read timeout
            for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-pad: 0123456789\r\n\r\n{}":
                if stop.wait(0.05):
                    return
                connection.sendall(bytes([byte]))

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    transport = Transport(Budget(None), RateLimiter(None), timeout=0.5)
    try:
        exchange = transport.send("GET", f"http://127.0.0.1:{port}/v1/health")
    finally:
        stop.set()
        transport.close()
        listener.close()
    assert exchange.status is None
    assert exchange.error is not None and "no answer within --timeout 0.5 s" in exchange.error


def test_a_check_that_cannot_judge_is_never_a_pass() -> None:
    from vlmspec.conformance._clauses import Failure, Ledger

    ledger = Ledger(["usage", "n-choices"])
    ledger.unjudged("usage", "reply cut by finish_reason 'length'")
    ledger.passed("n-choices")
    ledger.failed("n-choices", Failure("n=3 gave choice indexes [0]", "t", check="c"))
    found = {result.id: result for result in ledger.finish(required=1)}
    usage, n = found["usage"], found["n-choices"]
    assert usage.status == "not judged" and usage.checks == 0
    assert usage.unjudged == {"reply cut by finish_reason 'length'": 1}
    assert n.status == "fail"


def test_a_clause_needs_the_profile_minimum_of_judged_checks() -> None:
    from vlmspec.conformance._clauses import Ledger

    ledger = Ledger(["usage", "health"])
    for clause in ("usage", "health"):
        ledger.passed(clause)
    found = {result.id: result for result in ledger.finish(required=3)}
    usage, health = found["usage"], found["health"]
    assert usage.status == "not judged" and "1 checks judged (at least 3" in usage.notes[0]
    assert health.status == "pass"  # one request is all a health clause has


def test_signatures_blank_case_specific_parts_and_keep_every_failure() -> None:
    from vlmspec.conformance._clauses import Failure, Ledger, signature

    one = signature("n-choices", "c", "n=3 gave choice indexes ['0'] (expected [0, 1, 2])")
    two = signature("n-choices", "c", "n=7 gave choice indexes ['0'] (expected [0, 1, 2, 3])")
    assert one == two
    ledger = Ledger(["validation-rejects"])
    for index in range(40):  # forty distinct causes: all kept, none capped at five
        ledger.failed("validation-rejects", Failure(f"field `f{'x' * index}` bad", "t"))
    ledger.failed("validation-rejects", Failure("field `f` bad", "t"))
    (result,) = ledger.finish()
    assert len(result.failures) == 40
    assert result.failures[0].count == 2


def test_our_schemathesis_checks_follow_its_convention() -> None:
    """Schemathesis counts a truthy return as "skipped" and None as a pass: our checks return
    the reason they could not judge, never None for "not applicable"."""
    from types import SimpleNamespace

    from vlmspec.conformance._fuzz import vlmspec_choice_count, vlmspec_usage_sum

    def response(status: int, media: str, body: bytes) -> object:
        return SimpleNamespace(status_code=status, headers={"content-type": [media]}, content=body)

    case: Any = SimpleNamespace(body={"messages": [], "n": 2})
    sse = response(201, "text/event-stream", b"data: [DONE]\n\n")
    assert vlmspec_usage_sum(None, sse, case)  # truthy: not judged
    assert vlmspec_choice_count(None, sse, case)
    no_usage = response(201, "application/json", b'{"choices": []}')
    assert vlmspec_usage_sum(None, no_usage, case)
    good = response(
        201,
        "application/json",
        b'{"choices": [{"index": 0}, {"index": 1}], '
        b'"usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}',
    )
    assert vlmspec_usage_sum(None, good, case) is None  # judged, passed
    assert vlmspec_choice_count(None, good, case) is None
    with pytest.raises(AssertionError):
        three: Any = SimpleNamespace(body={"n": 3})
        vlmspec_choice_count(None, good, three)


def test_media_type_must_follow_the_stream_flag() -> None:
    from vlmspec.conformance._context import media_problems

    def exchange(body: object, media: str) -> Exchange:
        found = Exchange("POST", "http://x", {}, body=body, status=201)
        found.response_headers = {"content-type": media}
        return found

    assert media_problems(exchange({"stream": False}, "text/event-stream"))
    assert media_problems(exchange({}, "text/event-stream"))
    assert media_problems(exchange({"stream": True}, "application/json"))
    assert not media_problems(exchange({"stream": True}, "text/event-stream; charset=utf-8"))
    assert not media_problems(exchange({"stream": None}, "application/json"))


def test_sse_retry_field_is_an_integer_on_the_wire() -> None:
    from vlmspec.conformance._context import response_problems

    spec = load_spec(Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml")
    chunk = (
        b'{"id":"a","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},'
        b'"finish_reason":"stop"}]}'
    )
    found = Exchange("POST", "http://x", {}, body={"stream": True}, status=201)
    found.response_headers = {"content-type": "text/event-stream"}
    found.content = b"retry: 3000\ndata: " + chunk + b"\n\ndata: [DONE]\n\n"
    assert response_problems(spec, found) == []


def test_baseline_keys_failures_by_signature(tmp_path: Path) -> None:
    import json

    from vlmspec.conformance import apply_baseline, baseline_of, load_baseline
    from vlmspec.conformance._clauses import Failure, Ledger
    from vlmspec.conformance._runner import RunResult

    def result(message: str | None) -> RunResult:
        ledger = Ledger(["usage", "n-choices"])
        ledger.passed("n-choices")
        if message:
            ledger.failed("usage", Failure(message, "t", check="usage-sum"))
        else:
            ledger.passed("usage")
        return RunResult("http://x", "smoke", 0, (1, 1), ledger.finish(), 1, 1.0)

    first = result("usage does not add up: total 9 != 5 + 2")
    path = tmp_path / "baseline.json"
    path.write_text(baseline_of(first))
    baseline = load_baseline(path)
    again = result("usage does not add up: total 11 != 6 + 3")  # another case, same fault
    apply_baseline(again, baseline)
    assert again.verdict == "known failures only" and again.extra["baseline"]["new"] == []
    fixed = result(None)
    apply_baseline(fixed, baseline)
    assert fixed.verdict == "conformant" and len(fixed.extra["baseline"]["fixed"]) == 1
    other = result("usage counts are not integers")
    apply_baseline(other, baseline)
    assert other.verdict == "not conformant" and len(other.extra["baseline"]["new"]) == 1
    path.write_text(json.dumps({"format": "nope"}))
    with pytest.raises(ValueError, match="not a vlmspec-baseline/1 file"):
        load_baseline(path)


def test_event_names_the_openai_sdk_misreads_are_reported() -> None:
    from vlmspec.conformance._probes_core import event_name_problems

    chunk = b'data: {"id":"a","choices":[]}\n\n'
    named = parse_stream(b"event: chunk\n" + chunk + b"data: [DONE]\n\n")
    assert "not a chunk" in event_name_problems(named)[0]
    plain = parse_stream(b"event: message\n" + chunk + b"data: [DONE]\n\n")
    assert event_name_problems(plain) == []


def test_a_run_that_judged_nothing_is_inconclusive() -> None:
    from vlmspec.conformance._clauses import Ledger
    from vlmspec.conformance._runner import RunResult

    ledger = Ledger(["health"], not_applicable={"health": "not applicable: a vlmrun extension"})
    result = RunResult("http://x", "smoke", 0, (1, 1), ledger.finish(), 0, 0.1)
    assert result.clauses[0].status == "n/a"
    assert result.verdict == "inconclusive"


def test_one_cause_failing_several_clauses_is_one_group() -> None:
    from vlmspec.conformance._clauses import Failure, Ledger
    from vlmspec.conformance._report import failure_groups

    ledger = Ledger(["validation-rejects", "skills", "usage"])
    for clause, field in (("validation-rejects", "messages"), ("skills", "skills")):
        message = f"422 loc [['body']] does not name the invalid field ['body', '{field}']"
        ledger.failed(clause, Failure(message, "t", response="HTTP 422: {}", check="r"))
    ledger.failed("usage", Failure("usage does not add up", "t", response="HTTP 201: {}"))
    groups = failure_groups([result.as_dict() for result in ledger.finish()])
    assert [group["clauses"] for group in groups] == [["validation-rejects", "skills"]]


def test_a_shard_passes_on_any_judged_check_and_the_merge_needs_the_minimum() -> None:
    from vlmspec.conformance._clauses import Ledger

    def shard(checks: int, index: int) -> dict[str, Any]:
        ledger = Ledger(["usage", "n-choices"])
        for _ in range(checks):
            ledger.passed("usage")
        results = ledger.finish(required=3, shard=f"{index}/2")
        return {
            "shard": [index, 2],
            "requests": 1,
            "clauses": [result.as_dict() for result in results],
        }

    one, two = shard(1, 1), shard(1, 2)
    usage = next(c for c in one["clauses"] if c["id"] == "usage")
    n = next(c for c in one["clauses"] if c["id"] == "n-choices")
    assert usage["status"] == "pass" and n["status"] == "n/a"  # nothing of n in this slice
    merged = {c["id"]: c for c in merge_reports([one, two])["clauses"]}
    assert merged["usage"]["status"] == "not judged"  # 2 judged, the whole run needs 3
    assert merged["n-choices"]["status"] == "not judged"  # no slice judged it
    merged = {c["id"]: c for c in merge_reports([shard(2, 1), two])["clauses"]}
    assert merged["usage"]["status"] == "pass"
