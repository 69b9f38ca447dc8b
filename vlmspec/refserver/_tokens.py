"""A deterministic tokenizer: words and single punctuation marks are tokens."""

from __future__ import annotations

import re

__all__ = ["count_tokens", "split_tokens", "truncate_tokens"]

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """Number of tokens in *text*."""
    return len(_TOKEN.findall(text))


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """Cut *text* after its *limit*-th token; return the text and whether anything was cut.

    The cut falls on a token's end, so re-tokenizing the result gives exactly *limit* tokens.
    """
    if limit <= 0:
        return "", bool(_TOKEN.search(text))
    if len(text) <= limit:  # every token holds at least one character
        return text, False
    for index, match in enumerate(_TOKEN.finditer(text), start=1):
        if index == limit:
            end = match.end()
            return text[:end], _TOKEN.search(text, end) is not None
    return text, False


def split_tokens(text: str, per_piece: int) -> list[str]:
    """Split *text* into pieces of *per_piece* tokens (leading whitespace kept) that join to it."""
    ends = [m.end() for m in _TOKEN.finditer(text)][per_piece - 1 :: per_piece]
    pieces: list[str] = []
    start = 0
    for end in ends:
        pieces.append(text[start:end])
        start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces
