"""Last resort: a derandomized (so deterministic) search with Schemathesis' schema generator."""

from __future__ import annotations

import threading
import time
from typing import Any

import jsonschema

from ._instance_errors import NoInstance

__all__ = ["search_instance"]

_MAX_EXAMPLES = 200
_BUDGET_SECONDS = 5.0
# Sizes past these would take the search longer than any client waits; the builder had its try.
_MAX_SIZES = {"minLength": 100_000, "minItems": 1_000, "minProperties": 1_000, "minContains": 1_000}
# Hypothesis is not thread-safe, and the server builds instances on worker threads.
_LOCK = threading.Lock()
_DRAFTS = {
    jsonschema.Draft4Validator: "Draft4",
    jsonschema.Draft6Validator: "Draft6",
    jsonschema.Draft7Validator: "Draft7",
    jsonschema.Draft201909Validator: "Draft201909",
}


def _local_refs_only(node: Any) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
            return False
        return all(_local_refs_only(v) for v in node.values())
    if isinstance(node, list):
        return all(_local_refs_only(v) for v in node)
    return True


def _too_large(node: Any) -> bool:
    if isinstance(node, dict):
        for key, limit in _MAX_SIZES.items():
            value = node.get(key)
            if isinstance(value, int | float) and value > limit:
                return True
        return any(_too_large(v) for v in node.values())
    if isinstance(node, list):
        return any(_too_large(v) for v in node)
    return False


class _OutOfTime(Exception):
    pass


def search_instance(schema: Any, validator: Any) -> Any:
    """The first instance the search finds that ``validator`` accepts, else NoInstance."""
    # Only local $refs: the generator's resolver would otherwise fetch remote ones.
    if not _local_refs_only(schema):
        raise NoInstance("the schema has non-local $refs")
    if _too_large(schema):
        raise NoInstance("the schema asks for too large an instance")
    try:
        # Imported here: Schemathesis takes a while to import and most schemas never get here.
        import hypothesis
        import jsonschema_rs
        from hypothesis import strategies as st
        from schemathesis.generation.jsonschema.builder import build
        from schemathesis.generation.jsonschema.context import Alphabet

        draft = getattr(jsonschema_rs, _DRAFTS.get(type(validator), "Draft202012"))
        quiet = hypothesis.settings(
            max_examples=_MAX_EXAMPLES,
            database=None,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            # No shrinking: the first find is as deterministic, and the budget stays predictable.
            phases=[hypothesis.Phase.generate],
        )
        deadline = time.monotonic() + _BUDGET_SECONDS

        def in_time(draw: Any) -> Any:
            # Checked before each draw: examples too large to draw never reach the condition.
            if time.monotonic() > deadline:
                raise _OutOfTime
            return draw(strategy)

        with _LOCK:
            strategy = build(schema, draft=draft, formats={}, alphabet=Alphabet())
            timed = st.composite(in_time)()
            return hypothesis.find(timed, validator.is_valid, settings=quiet)
    except Exception as exc:  # the generator and Hypothesis raise assorted errors on odd schemas
        raise NoInstance(f"no instance found for the schema ({type(exc).__name__})") from exc
