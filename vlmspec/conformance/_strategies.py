"""Hypothesis strategies for what a schema cannot say, and seeded, replayable drawing."""

from __future__ import annotations

import threading
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st

__all__ = ["GENERATION_LOCK", "conversations", "draw", "object_schemas", "response_formats"]

# Hypothesis (and Schemathesis on top of it) is not thread-safe: one generation at a time, which
# also keeps seeded draws reproducible.
GENERATION_LOCK = threading.RLock()

_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "So")),
    min_size=1,
    max_size=24,
).filter(lambda text: text.strip() != "")


def draw(strategy: st.SearchStrategy[Any], count: int, run_seed: int) -> list[Any]:
    """``count`` values of ``strategy``, the same ones for the same ``run_seed``."""
    found: list[Any] = []
    if count <= 0:
        return found

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seeded(run_seed)
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    with GENERATION_LOCK:
        collect()
    return found[:count]


def _content(text: str, parts: bool) -> str | list[dict[str, str]]:
    return [{"type": "text", "text": text}] if parts else text


@st.composite
def conversations(draw: st.DrawFn, max_turns: int = 3) -> list[dict[str, Any]]:
    """Valid message lists: an optional system message, then user/assistant turns ending in user."""
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        role = draw(st.sampled_from(["system", "developer"]))
        messages.append({"role": role, "content": draw(_WORDS)})
    turns = draw(st.integers(1, max_turns))
    for turn in range(turns):
        messages.append({"role": "user", "content": _content(draw(_WORDS), draw(st.booleans()))})
        if turn < turns - 1:
            messages.append({"role": "assistant", "content": draw(_WORDS)})
    return messages


_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)


@st.composite
def _bounded(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A scalar schema with satisfiable bounds."""
    schema: dict[str, Any] = {"type": kind}
    if kind == "string" and draw(st.booleans()):
        low = draw(st.integers(0, 8))
        schema.update(minLength=low, maxLength=low + draw(st.integers(0, 8)))
    elif kind in ("integer", "number") and draw(st.booleans()):
        low = draw(st.integers(-1000, 1000))
        schema.update(minimum=low, maximum=low + draw(st.integers(0, 1000)))
    return schema


_LEAVES: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.sampled_from(["string", "integer", "number", "boolean", "null"]).flatmap(_bounded),
    st.lists(_WORDS, min_size=1, max_size=4, unique=True).map(lambda values: {"enum": values}),
)


def _array(items: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.integers(0, 2))
        return {
            "type": "array",
            "items": draw(items),
            "minItems": low,
            "maxItems": low + draw(st.integers(0, 2)),
        }

    return build()


def _object(values: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(st.dictionaries(_NAMES, values, min_size=1, max_size=3))
        required = [name for name in properties if draw(st.booleans())]
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if draw(st.booleans()):
            schema["additionalProperties"] = False
        return schema

    return build()


def object_schemas() -> st.SearchStrategy[dict[str, Any]]:
    """Small satisfiable JSON Schemas of objects: nested objects, arrays, enums, bounds.

    Small enough that a correct server's answer fits the pinned reply budget (64 tokens): a
    reply cut by length is not judged, so a schema too big to answer would judge nothing."""
    nested = st.recursive(
        _LEAVES, lambda children: st.one_of(_array(children), _object(children)), max_leaves=5
    )
    return _object(nested)


@st.composite
def response_formats(draw: st.DrawFn) -> dict[str, Any]:
    """A `json_schema` response_format in either documented shape (flat or strict)."""
    schema = draw(object_schemas())
    if draw(st.booleans()):
        return {"type": "json_schema", "schema": schema}
    return {
        "type": "json_schema",
        "name": draw(_NAMES),
        "strict": draw(st.booleans()),
        "json_schema": schema,
    }
