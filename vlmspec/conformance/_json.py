"""JSON from a server, parsed with a bound on nesting: a hostile body is a verdict, not a crash."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "TooDeep", "depth_problem", "loads"]

# Far beyond any chat completion, yet shallow enough for jsonschema's recursive validator.
MAX_DEPTH = 100


class TooDeep(ValueError):
    """A JSON document nested deeper than MAX_DEPTH (a ValueError: callers treat it as not JSON)."""


def loads(text: str | bytes | bytearray) -> Any:
    """``json.loads``, raising TooDeep (a ValueError) for documents nested beyond MAX_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        # json's C scanner gives up near the interpreter's recursion limit
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if _deeper_than(value, MAX_DEPTH):
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def depth_problem(text: bytes) -> str | None:
    """Why ``text`` cannot be judged as JSON because of its nesting, or None."""
    try:
        loads(text)
    except TooDeep as exc:
        return str(exc)
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _deeper_than(value: Any, limit: int) -> bool:
    # Iterative, so that measuring depth cannot itself overflow the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
