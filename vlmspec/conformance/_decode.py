"""Content-Encoding decoded incrementally with bounds: a 3.5 KB `gzip, gzip` body that inflates
to 2 GiB must cost no more than the response cap, never the whole bomb at once."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

__all__ = ["ACCEPT_ENCODING", "MAX_LAYERS", "DecodeError", "decoded"]

ACCEPT_ENCODING = "gzip, deflate"  # what we can decode with a bound (no br/zstd)
MAX_LAYERS = 2  # one is normal; two is already odd; more is an attack
_STEP = 64 * 1024  # at most this much output per decompress call


class DecodeError(Exception):
    """The body's Content-Encoding cannot be (or must not be) decoded."""


def decoded(raw: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """The body's bytes with every Content-Encoding layer undone, lazily and in small pieces.

    Each layer yields at most 64 KiB per step and is pulled by the consumer, so memory stays
    bounded by what the consumer keeps (the transport stops at its byte cap).
    """
    layers = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    layers = [c for c in layers if c != "identity"]
    if len(layers) > MAX_LAYERS:
        raise DecodeError(
            f"Content-Encoding {content_encoding!r} has {len(layers)} layers "
            f"(at most {MAX_LAYERS} are decoded)"
        )
    stream: Iterator[bytes] = iter(raw)
    for coding in reversed(layers):  # the last coding listed was applied last
        stream = _inflate(stream, coding)
    return stream


def _inflate(source: Iterator[bytes], coding: str) -> Iterator[bytes]:
    if coding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif coding == "deflate":
        wbits = zlib.MAX_WBITS  # zlib-wrapped, as RFC 9110 says; raw deflate is tried below
    else:
        raise DecodeError(f"unsupported Content-Encoding {coding!r} (we sent {ACCEPT_ENCODING!r})")
    decoder = zlib.decompressobj(wbits)
    first = True
    for data in source:
        while data and not decoder.eof:
            try:
                out = decoder.decompress(data, _STEP)
            except zlib.error as exc:
                if first and coding == "deflate":
                    decoder, first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise DecodeError(f"undecodable {coding} body: {exc}") from None
            first = False
            data = decoder.unconsumed_tail
            if out:
                yield out
        if decoder.eof:
            return  # bytes after the end of the compressed data are ignored, as browsers do
    while True:
        try:
            out = decoder.flush(_STEP)
        except zlib.error as exc:
            raise DecodeError(f"undecodable {coding} body: {exc}") from None
        if not out:
            break
        yield out
    if not decoder.eof:
        raise DecodeError(f"truncated {coding} body")
