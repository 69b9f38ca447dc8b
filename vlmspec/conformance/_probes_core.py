"""Targeted probes: health, choices, usage, streaming and response_format."""

from __future__ import annotations

from typing import Any

from ._context import Context
from ._http import Exchange
from ._json import loads as bounded_loads
from ._spec import schema_errors
from ._stream import Stream

__all__ = [
    "compare_stream",
    "event_name_problems",
    "index_problems",
    "judge_format",
    "judge_indexes",
    "judge_stream",
    "judge_stream_choices",
    "judge_usage",
    "probe_health",
    "probe_n",
    "probe_response_format",
    "probe_stream",
    "probe_stream_equivalence",
    "reply_text",
    "usage_problems",
    "user_body",
]


def user_body(ctx: Context, text: str = "Say hello.", **extra: Any) -> dict[str, Any]:
    """A small valid request: one user message and a pinned max_tokens."""
    body: dict[str, Any] = {"messages": [{"role": "user", "content": text}]}
    body.update(extra)
    ctx.pin(body)
    return body


# The health route of overlay 050 (the vlmrun SDK calls it), resolved against the user's base URL.
HEALTH = ("GET", "/v1/health")


def probe_health(ctx: Context) -> None:
    if ctx.spec.operation(*HEALTH) is None:
        ctx.skip("health", "the bundle declares no GET /v1/health")
        return
    exchange = ctx.get(ctx.spec.url(ctx.target.base_url, HEALTH[1]))
    if exchange.error:
        ctx.judge("health", [exchange.error], exchange)
        return
    problems = []
    if exchange.status != 200:
        problems.append(f"HTTP {exchange.status} (expected 200)")
    elif exchange.content_type != "application/json":
        problems.append(f"content type {exchange.content_type!r} (expected application/json)")
    else:
        problems += ctx.spec.validate("HealthStatus", exchange.json())
    ctx.judge("health", problems, exchange)


def index_problems(n: int, indexes: list[Any]) -> list[str]:
    """What is wrong with the choice indexes of a reply to ``n`` (the probe's and fuzz's rule)."""
    expected = list(range(n))
    numbers = [i for i in indexes if isinstance(i, int) and not isinstance(i, bool)]
    if len(numbers) != len(indexes) or sorted(numbers) != expected:
        return [f"n={n} gave choice indexes {indexes[:10]} (expected {expected[:10]})"]
    return []


def judge_indexes(ctx: Context, n: int, indexes: list[Any], exchange: Exchange) -> None:
    ctx.judge("n-choices", index_problems(n, indexes), exchange, check="choice-indexes")


def usage_problems(usage: dict[str, Any]) -> list[str]:
    """What is wrong with a usage object's counts (the probe's and fuzz's rule)."""
    prompt, completion, total = (
        usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")
    )
    counts = (prompt, completion, total)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts):
        return [f"usage counts are not integers: {usage}"]
    assert isinstance(prompt, int) and isinstance(completion, int)
    if total != prompt + completion:
        return [f"total_tokens {total} != prompt_tokens {prompt} + completion_tokens {completion}"]
    return []


def judge_usage(ctx: Context, usage: Any, exchange: Exchange) -> None:
    if usage is None:
        # Whether usage must be there is the schema's rule (response-schema judges it).
        ctx.skip("usage", "reply carries no usage object")
        return
    if not isinstance(usage, dict):
        problem = f"usage is {type(usage).__name__}, not an object"
        ctx.judge("usage", [problem], exchange, check="usage-sum")
        return
    ctx.judge("usage", usage_problems(usage), exchange, check="usage-sum")


def probe_n(ctx: Context) -> None:
    """n omitted → one choice; n=3 → three; n=2 streamed → indexes 0 and 1; usage sums."""
    for n in (None, 3):
        body = (
            user_body(ctx, "Name a fruit.") if n is None else user_body(ctx, "Name a fruit.", n=n)
        )
        exchange = ctx.chat(body)
        data = ctx.completion(("n-choices", "usage"), exchange)
        if data is None:
            continue
        choices = data["choices"]
        judge_indexes(
            ctx, n or 1, [c.get("index") for c in choices if isinstance(c, dict)], exchange
        )
        judge_usage(ctx, data.get("usage"), exchange)
    exchange = ctx.chat(user_body(ctx, "Name a colour.", n=2, stream=True))
    stream = ctx.stream_reply("n-choices", exchange)
    if stream is not None:
        judge_stream_choices(ctx, 2, stream, exchange)


def judge_stream_choices(ctx: Context, n: int, stream: Stream, exchange: Exchange) -> None:
    """A streamed reply's choice indexes, and the usage of any chunk that carries one."""
    if not stream.chunks:
        ctx.skip("n-choices", "stream carries no chunk")
        return
    judge_indexes(ctx, n, list(stream.reassembled()), exchange)
    for chunk in stream.chunks:
        if isinstance(chunk, dict) and chunk.get("usage") is not None:
            judge_usage(ctx, chunk["usage"], exchange)


def judge_stream(ctx: Context, exchange: Exchange) -> None:
    """The framing and chunk sequence of a `stream: true` reply (not judged when the reply is
    not an event stream: response-schema judges the media type)."""
    stream = ctx.stream_reply(("stream-framing", "stream-consistency"), exchange)
    if stream is None:
        return
    problems = ([exchange.error] if exchange.error else []) + stream.framing
    problems += [
        f"chunk {i} is not a ChatCompletionChunk: {e[0]}"
        for i, chunk in enumerate(stream.chunks)
        if chunk is not None and (e := ctx.spec.validate("ChatCompletionChunk", chunk))
    ][:2]
    problems += event_name_problems(stream)[:1]
    ctx.judge("stream-framing", problems, exchange, check="sse-chunks")
    if stream.chunks:
        ctx.judge("stream-consistency", stream.consistency(), exchange, check="chunk-sequence")
    else:
        ctx.skip("stream-consistency", "stream carries no chunk")


def event_name_problems(stream: Stream) -> list[str]:
    """Named events: OpenAI's chat stream never names them, and clients rely on it. The OpenAI
    Python SDK 1.x (openai 1.109.1 is what the vlmrun SDK pins) wraps the data of any event with
    an `event:` field as `{"data": ..., "event": ...}` instead of parsing a chunk (3.x still does
    for `thread.*` names, and raises on `error`); a browser's EventSource `onmessage` only sees
    unnamed or `message` events. `message` is the WHATWG default type, so it passes."""
    found = []
    for index, event in enumerate(stream.events):
        name = event.get("event")
        if name is not None and name not in ("", "message"):
            found.append(
                f"event {index} is named {name!r}: the OpenAI SDK (1.x, pinned by the vlmrun "
                "SDK) reads a named event as {data, event}, not a chunk, and EventSource "
                "onmessage never sees it"
            )
    return found


def probe_stream(ctx: Context) -> None:
    """The streaming example, a system+user stream and a two-choice stream."""
    bodies = [
        ctx.spec.examples.get("streaming") or user_body(ctx, "Count to three.", stream=True),
        {
            **user_body(ctx, "Spell 'abc'.", stream=True),
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Spell 'abc'."},
            ],
        },
        user_body(ctx, "Two words.", stream=True, n=2),
    ]
    for body in bodies:
        ctx.pin(body)
        judge_stream(ctx, ctx.chat(body))


def probe_stream_equivalence(ctx: Context) -> None:
    """A deterministic target streams exactly what it answers without streaming."""
    compare_stream(ctx, user_body(ctx, "Describe the sea in five words.", temperature=0))


def compare_stream(ctx: Context, body: dict[str, Any]) -> None:
    """Send ``body`` without and with streaming; judge that both say the same per choice."""
    whole = ctx.chat({**body, "stream": False})
    data = ctx.completion("stream-equivalence", whole)
    if data is None:
        return
    choices = data["choices"]
    stream = ctx.stream_reply("stream-equivalence", ctx.chat({**body, "stream": True}))
    if stream is None:
        return
    streamed = ctx.last_sent
    assert streamed is not None  # stream_reply judged an exchange just sent
    if streamed.error:
        # a stream cut short (e.g. by --timeout) says nothing about its content: response-schema
        # judged the cut; comparing what arrived would blame the server for the missing rest
        ctx.skip("stream-equivalence", f"stream incomplete ({streamed.error})")
        return
    parts = stream.reassembled()
    problems = []
    indexes = [c.get("index") for c in choices if isinstance(c, dict)]
    if sorted(parts) != sorted(i for i in indexes if isinstance(i, int)):
        problems.append(f"stream has choices {sorted(parts)}, non-stream has {indexes[:10]}")
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        index, message = choice.get("index"), choice.get("message") or {}
        got = parts.get(index) if isinstance(index, int) else None
        want = {
            "content": message.get("content") or "",
            "finish_reason": choice.get("finish_reason"),
        }
        if got != want:
            problems.append(f"choice {index}: stream gave {got!r}, non-stream gave {want!r}")
    ctx.judge("stream-equivalence", problems[:3], streamed, check="stream-equals-reply")


def reply_text(ctx: Context, exchange: Exchange) -> str:
    """The first choice's content of a served reply, streamed or not ("" when there is none)."""
    if exchange.content_type == "text/event-stream":
        return str(ctx.stream_of(exchange).reassembled().get(0, {}).get("content") or "")
    data = exchange.json() if exchange.content_type == "application/json" else None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ""
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def probe_response_format(ctx: Context) -> None:
    """Each response_format shape of the spec: content must parse and validate."""
    examples = ctx.spec.examples
    for name in ("json_object", "json_schema_flat", "json_schema_strict"):
        body = examples.get(name)
        if body is None:
            continue
        ctx.pin(body, ctx.settings.format_tokens)
        fmt = body["response_format"]
        schema = fmt.get("schema") or fmt.get("json_schema") or {"type": "object"}
        for streamed in (False, True):
            judge_format(ctx, name, {**body, "stream": streamed}, schema)


def judge_format(ctx: Context, name: str, body: dict[str, Any], schema: Any) -> None:
    """Send ``body``; every reply that finished ("stop") must be JSON valid against ``schema``."""
    exchange = ctx.chat(body)
    finished: list[tuple[Any, Any]] = []
    if body.get("stream"):
        stream = ctx.stream_reply("response-format", exchange)
        if stream is None:
            return
        outcome = stream.reassembled()
        finished = [(v["content"], v["finish_reason"]) for _, v in sorted(outcome.items())]
    else:
        data = ctx.completion("response-format", exchange)
        if data is None:
            return
        finished = [
            ((c.get("message") or {}).get("content"), c.get("finish_reason"))
            for c in data["choices"]
            if isinstance(c, dict)
        ]
    if not finished:
        ctx.skip("response-format", "reply has no choice")
    for content, reason in finished:
        if reason != "stop":
            # A reply cut short cannot be judged against a schema: neither pass nor fail.
            ctx.skip("response-format", f"reply cut by finish_reason {reason!r}")
            continue
        problems = _format_problems(name, content, schema)
        ctx.judge("response-format", problems, exchange, check="content-matches-schema")


def _format_problems(name: str, content: Any, schema: dict[str, Any]) -> list[str]:
    if not isinstance(content, str):
        return [f"{name}: content is {type(content).__name__}, not a JSON string"]
    try:
        value = bounded_loads(content)  # a server-chosen string: its nesting is bounded
    except ValueError:
        return [f"{name}: content is not JSON: {content[:80]!r}"]
    return [f"{name}: {problem}" for problem in schema_errors(schema, value)]
