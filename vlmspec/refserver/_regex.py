"""Deterministic strings for a JSON Schema ``pattern`` (bounded; checked RE2 first)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from ._patterns import compile_search

__all__ = ["string_for_pattern", "strings_for_pattern"]

# The stdlib regex parser: private but stable, and it is exactly the dialect `re` will check.
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

_MAX_OUTPUT = 4096
_POOL = "aA0 _-.x@/:zZ9!#,;=+~\t\n"
_PADDING = [*"abcdefghij0123456789", *(a + b for a in "abc" for b in "abcdefghij")]
_CATEGORY_CHAR = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_LINEBREAK": "\n",
    "CATEGORY_NOT_LINEBREAK": "a",
}
_CATEGORY_RE = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_LINEBREAK": r"\n",
    "CATEGORY_NOT_LINEBREAK": r"[^\n]",
}


class _TooLong(Exception):
    pass


def _in_set(items: list[tuple[Any, Any]], ch: str) -> bool:
    code = ord(ch)
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and av == code:
            return True
        if name == "RANGE" and av[0] <= code <= av[1]:
            return True
        if name == "CATEGORY" and re.fullmatch(_CATEGORY_RE.get(str(av), "(?!)"), ch):
            return True
        if name == "NOT_LITERAL" and av != code:
            return True
    return False


def _set_char(items: list[tuple[Any, Any]], variant: int) -> str:
    if items and str(items[0][0]) == "NEGATE":
        rest = items[1:]
        for ch in _POOL[variant % len(_POOL) :] + _POOL:
            if not _in_set(rest, ch):
                return ch
        raise _TooLong
    choices: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            choices.append(chr(av))
        elif name == "RANGE":
            choices += [chr(av[0] + i) for i in range(min(av[1] - av[0] + 1, 4))]
        elif name == "CATEGORY":
            choices.append(_CATEGORY_CHAR.get(str(av), "a"))
    if not choices:
        raise _TooLong
    return choices[variant % len(choices)]


class _Gen:
    def __init__(self, extra: int, variant: int) -> None:
        self.extra = extra
        self.variant = variant
        self.groups: dict[int, str] = {}
        self.size = 0

    def emit(self, text: str) -> str:
        self.size += len(text)
        if self.size > _MAX_OUTPUT:
            raise _TooLong
        return text

    def run(self, seq: Any) -> str:
        return "".join(self.node(op, av) for op, av in seq)

    def node(self, op: Any, av: Any) -> str:
        name = str(op)
        if name == "LITERAL":
            return self.emit(chr(av))
        if name == "NOT_LITERAL":
            return self.emit("b" if av == ord("a") else "a")
        if name == "ANY":
            return self.emit("a")
        if name == "IN":
            return self.emit(_set_char(av, self.variant))
        if name == "CATEGORY":
            return self.emit(_CATEGORY_CHAR.get(str(av), "a"))
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            count = low + self.extra
            if high != _c.MAXREPEAT:
                count = min(count, high)
            return "".join(self.run(sub) for _ in range(count))
        if name == "SUBPATTERN":
            group, _add, _del, sub = av
            text = self.run(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if name == "ATOMIC_GROUP":
            return self.run(av)
        if name == "BRANCH":
            alternatives = av[1]
            return self.run(alternatives[self.variant % len(alternatives)])
        if name == "GROUPREF":
            return self.emit(self.groups.get(av, ""))
        if name == "GROUPREF_EXISTS":
            group, yes, no = av
            if group in self.groups:
                return self.run(yes)
            return self.run(no) if no is not None else ""
        # AT (anchors), ASSERT, ASSERT_NOT: zero-width; the final re.search decides.
        return ""


def _fits(
    text: str, matches: Callable[[str], bool], min_length: int, max_length: int | None
) -> bool:
    if len(text) < min_length or (max_length is not None and len(text) > max_length):
        return False
    return matches(text)


def string_for_pattern(
    pattern: str, min_length: int = 0, max_length: int | None = None
) -> str | None:
    """Return a string that ``re.search(pattern)`` accepts within the length bounds, or None."""
    found = strings_for_pattern(pattern, min_length, max_length, 1)
    return found[0] if found else None


def strings_for_pattern(
    pattern: str, min_length: int = 0, max_length: int | None = None, count: int = 1
) -> list[str]:
    """Up to ``count`` distinct strings ``re.search(pattern)`` accepts within the length bounds."""
    try:
        compiled = compile_search(pattern)
        parsed = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return []
    found: dict[str, None] = {}
    seen: list[str] = []
    for variant in range(4):
        for extra in (0, 1, 2, 3, 5, 8, 16, 32, 64):
            try:
                text = _Gen(extra, variant).run(parsed)
            except (_TooLong, RecursionError, ValueError, OverflowError):
                break
            if _fits(text, compiled, min_length, max_length):
                found[text] = None
                if len(found) >= count:
                    return list(found)
            seen.append(text)
    # Unanchored patterns still match with padding around a match; padding also makes variety.
    for text in list(dict.fromkeys([*found, *seen]))[:8]:
        missing = max(0, min_length - len(text))
        for pad in ("a" * missing, "0" * missing, *_PADDING):
            for padded in (text + pad, pad + text):
                if padded not in found and _fits(padded, compiled, min_length, max_length):
                    found[padded] = None
                    if len(found) >= count:
                        return list(found)
    return list(found)
