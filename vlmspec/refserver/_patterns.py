"""Searching with client-supplied patterns: RE2 (linear time) first, Python's ``re`` if it must.

RE2 cannot backtrack catastrophically. Patterns it cannot run (backreferences, lookarounds) fall
back to ``re``; those only ever run inside a worker process with a deadline (``_cpu.py``).
Patterns with POSIX classes (``[[:alpha:]]``) also go to ``re``: RE2 reads them differently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import re2

__all__ = ["compile_search", "search", "validator_with_safe_patterns"]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a pattern RE2 refuses is expected, not worth a line on stderr
_OPTIONS.max_mem = 8 << 20


@functools.lru_cache(maxsize=1024)
def compile_search(pattern: str) -> Callable[[str], bool]:
    """A ``search`` predicate for *pattern*; raise ``re.error`` if Python rejects the pattern."""
    compiled = re.compile(pattern)  # the dialect the schema is judged in: it must compile here
    if "[:" not in pattern:
        try:
            linear = re2.compile(pattern, _OPTIONS)
        except Exception:  # re2 raises its own error type for what it does not support
            pass
        else:
            return lambda text: linear.search(text) is not None
    return lambda text: compiled.search(text) is not None


def search(pattern: str, text: str) -> bool:
    """Whether *pattern* matches somewhere in *text*; a bad pattern matches nothing."""
    try:
        return compile_search(pattern)(text)
    except (re.error, RecursionError, OverflowError, ValueError):
        return False


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    import jsonschema

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


@functools.cache
def validator_with_safe_patterns(cls: Any) -> Any:
    """*cls* with ``pattern`` and ``patternProperties`` searched by RE2 where it can."""
    import jsonschema

    keywords: dict[str, Callable[..., Iterator[Any]]] = {"pattern": _pattern}
    if "patternProperties" in cls.VALIDATORS:
        keywords["patternProperties"] = _pattern_properties
    return jsonschema.validators.extend(cls, keywords)
