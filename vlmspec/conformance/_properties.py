"""Property checks driven by Hypothesis with the run's seed: what the schema cannot say."""

from __future__ import annotations

import copy
import zlib
from typing import Any

from hypothesis import strategies as st

from . import _probes_core as core
from ._context import Context
from ._strategies import conversations, draw, response_formats

__all__ = ["prop_equivalence", "prop_n", "prop_response_format", "prop_session"]


def _seed(ctx: Context, name: str) -> int:
    """Each property draws its own stream of cases from the run's seed."""
    return zlib.crc32(f"{ctx.settings.seed}:{name}".encode())


def _cases(
    ctx: Context, name: str, strategy: st.SearchStrategy[Any], share: float = 1
) -> list[Any]:
    count = max(1, round(ctx.settings.property_cases * share))
    return draw(strategy, count, _seed(ctx, name))


def prop_n(ctx: Context) -> None:
    """Any n in 1..128, streamed or not: exactly n choices indexed 0..n-1; usage adds up."""
    n_max = ctx.spec.n_max
    strategy = st.tuples(st.integers(1, n_max), st.booleans())
    # The spec's upper bound always gets one case: random draws rarely hit it.
    for position, (n, stream) in enumerate([(n_max, False), *_cases(ctx, "n", strategy)]):
        ctx.label = f"case {position}: n={n} stream={stream}"
        exchange = ctx.chat(core.user_body(ctx, "Name a fruit.", n=n, stream=stream))
        if stream:
            parsed = ctx.stream_reply("n-choices", exchange)
            if parsed is not None:
                core.judge_stream(ctx, exchange)
                core.judge_stream_choices(ctx, n, parsed, exchange)
            continue
        data = ctx.completion(("n-choices", "usage"), exchange)
        if data is None:
            continue
        indexes = [c.get("index") for c in data["choices"] if isinstance(c, dict)]
        core.judge_indexes(ctx, n, indexes, exchange)
        core.judge_usage(ctx, data.get("usage"), exchange)


def prop_equivalence(ctx: Context) -> None:
    """For random conversations and n: the reassembled stream equals the non-stream reply."""
    strategy = st.tuples(conversations(), st.integers(1, 3))
    for position, (messages, n) in enumerate(_cases(ctx, "equivalence", strategy, 0.5)):
        ctx.label = f"case {position}: {len(messages)} messages, n={n}"
        body = ctx.pin({"messages": messages, "n": n, "temperature": 0})
        core.compare_stream(ctx, body)


def prop_response_format(ctx: Context) -> None:
    """For random object schemas: the content parses and validates, streamed or not."""
    strategy = st.tuples(response_formats(), st.booleans())
    for position, (fmt, stream) in enumerate(_cases(ctx, "format", strategy)):
        ctx.label = f"case {position}: stream={stream}"
        body = ctx.pin(
            {
                "messages": [{"role": "user", "content": "Answer in JSON."}],
                "response_format": fmt,
                "stream": stream,
            },
            ctx.settings.format_tokens,
        )
        schema = fmt.get("schema") or fmt.get("json_schema")
        core.judge_format(ctx, f"random schema {position}", body, schema)


def prop_session(ctx: Context) -> None:
    """Sessions of random length (some turns streamed) answer every turn."""
    strategy = st.lists(st.booleans(), min_size=2, max_size=5)
    for position, streamed in enumerate(_cases(ctx, "session", strategy, 0.5)):
        session = ctx.uuid()
        messages: list[dict[str, Any]] = []
        for turn, stream in enumerate(streamed):
            ctx.label = f"case {position}: turn {turn + 1} of {len(streamed)}"
            messages.append({"role": "user", "content": f"Turn {turn + 1}: remember {position}."})
            body = ctx.pin(
                {"messages": copy.deepcopy(messages), "session_id": session, "stream": stream}
            )
            exchange = ctx.chat(body)
            if not ctx.served("session-continuity", exchange):
                break
            messages.append({"role": "assistant", "content": core.reply_text(ctx, exchange)})
