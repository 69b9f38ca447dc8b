"""Hostile servers: raw sockets that hang, babble, cut, never end, flood or drip."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import os
import struct
import time
import urllib.parse
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["HOSTILE", "Hostile", "serve_hostile"]

Writer = asyncio.StreamWriter
_GB = 1 << 30
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, no mtime
_HEALTH = b'{"status":"ok"}'


@dataclass(frozen=True)
class _Req:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]

    @property
    def token(self) -> str:
        return self.headers.get("authorization", "").partition(" ")[2]

    @property
    def max_tokens(self) -> object:
        try:
            return json.loads(self.body).get("max_tokens")
        except (ValueError, AttributeError):
            return None

    @property
    def is_health(self) -> bool:
        return self.method == "GET" and self.path.rstrip("/").endswith("/health")

    @property
    def wants_stream(self) -> bool:
        try:
            return json.loads(self.body).get("stream") is True
        except (ValueError, AttributeError):
            return False


def _head(status: str, content_type: str, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"content-type: {content_type}"]
    lines.append("transfer-encoding: chunked" if length is None else f"content-length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _chunk_event(number: int) -> bytes:
    chunk = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "hostile",
        "choices": [{"index": 0, "delta": {"content": f"{number} "}, "finish_reason": None}],
    }
    if number == 0:
        chunk["choices"][0]["delta"]["role"] = "assistant"  # type: ignore[index]
    return f"data: {json.dumps(chunk)}\n\n".encode()


_COMPLETION = json.dumps(
    {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": 0,
        "model": "hostile",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
).encode()


async def _forever() -> None:
    await asyncio.Event().wait()


async def _hang(req: _Req, writer: Writer) -> bool:
    await _forever()
    return False


async def _garbage(req: _Req, writer: Writer) -> bool:
    writer.write(os.urandom(4096))
    await writer.drain()
    return False


async def _cut_stream(req: _Req, writer: Writer) -> bool:
    writer.write(_head("201 Created", "text/event-stream"))
    writer.write(_chunked(_chunk_event(0)))
    writer.write(_chunked(_chunk_event(1)[:40]))  # half an event, then the connection drops
    await writer.drain()
    return False


async def _stream_forever(req: _Req, writer: Writer) -> bool:
    if req.wants_stream:
        writer.write(_head("201 Created", "text/event-stream"))
        number = 0
        while True:
            writer.write(_chunked(_chunk_event(number)))
            await writer.drain()
            number += 1
            await asyncio.sleep(0.01)
    writer.write(_head("201 Created", "application/json"))
    writer.write(_chunked(b'{"id": "chatcmpl-hostile", "choices": ['))
    while True:
        writer.write(_chunked(b" " * 1024))  # JSON whitespace: the value never ends
        await writer.drain()
        await asyncio.sleep(0.01)


async def _huge_body(req: _Req, writer: Writer) -> bool:
    media = "text/event-stream" if req.wants_stream else "application/json"
    writer.write(_head("201 Created", media, length=_GB))
    prefix = b'data: {"id": "' if req.wants_stream else b'{"id": "'
    writer.write(prefix)
    block = b"a" * (1 << 20)
    for _ in range(_GB // len(block)):
        writer.write(block)
        await writer.drain()
    return False


async def _drip(req: _Req, writer: Writer) -> bool:
    answer = _head("201 Created", "application/json", length=len(_COMPLETION)) + _COMPLETION
    for byte in answer:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.5)
    return True


@functools.cache
def _gzip_bomb() -> bytes:
    """2 GiB of zeros, gzipped twice: about 5 KB on the wire, built in a fraction of a second.

    The inner layer repeats one fully flushed deflate block instead of compressing 2 GiB.
    """
    block, blocks = bytes(1 << 20), 2048
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    steady = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(block) + deflate.flush()
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    trailer = struct.pack("<II", crc, (blocks * len(block)) & 0xFFFFFFFF)
    inner = _GZIP_HEADER + first + steady * (blocks - 2) + last + trailer
    outer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return outer.compress(inner) + outer.flush()


async def _gzip_gzip(req: _Req, writer: Writer) -> bool:
    bomb = _gzip_bomb()
    media = "text/event-stream" if req.wants_stream else "application/json"
    head = _head("201 Created", media, length=len(bomb)).replace(
        b"\r\n\r\n", b"\r\ncontent-encoding: gzip, gzip\r\n\r\n"
    )
    writer.write(head + bomb)
    await writer.drain()
    return True


_FLOOD = b"data: 0\n\n" * 466_000  # ~4 MiB: just under the response cap


async def _sse_flood(req: _Req, writer: Writer) -> bool:
    writer.write(_head("201 Created", "text/event-stream", length=len(_FLOOD)) + _FLOOD)
    await writer.drain()
    return True


_DEEP = b"[" * 1_000_000 + b"]" * 1_000_000


_DEEP_EVENTS = b"data: " + _DEEP + b"\n\ndata: [DONE]\n\n"


async def _deep_json(req: _Req, writer: Writer) -> bool:
    if req.wants_stream:
        head = _head("201 Created", "text/event-stream", length=len(_DEEP_EVENTS))
        writer.write(head + _DEEP_EVENTS)
    else:
        writer.write(_head("201 Created", "application/json", length=len(_DEEP)) + _DEEP)
    await writer.drain()
    return True


def _disguises(token: str) -> list[str]:
    """The token as a careless server might echo it."""
    return [
        token.upper(),
        token[::-1],
        " ".join(token),
        base64.b64encode(f"Bearer {token}".encode()).decode(),
        urllib.parse.quote(token, safe=""),
    ]


async def _echo_token(req: _Req, writer: Writer) -> bool:
    token = req.token or "(none)"
    if req.wants_stream:
        # The token split across the content of consecutive chunks, and no [DONE].
        writer.write(_head("201 Created", "text/event-stream"))
        pieces = [token[i : i + 5] for i in range(0, len(token), 5)]
        for number, piece in enumerate(["key: ", *pieces]):
            event = json.loads(_chunk_event(number)[6:])
            event["choices"][0]["delta"]["content"] = piece
            event["id"] = f"chatcmpl-{number}"
            writer.write(_chunked(f"data: {json.dumps(event)}\n\n".encode()))
        writer.write(_chunked(f"data: not json {token.upper()}\n\n".encode()) + b"0\r\n\r\n")
        await writer.drain()
        return True
    body = ("rejected key: " + " | ".join(_disguises(token))).encode()
    writer.write(_head("400 Bad Request", "text/plain", length=len(body)) + body)
    await writer.drain()
    return True


async def _slow(req: _Req, writer: Writer) -> bool:
    # 0.2 s for a small reply, 30 s for anything longer: slow, never hung
    small = isinstance(req.max_tokens, int) and req.max_tokens <= 16
    await asyncio.sleep(0.2 if small else 30)
    writer.write(_head("201 Created", "application/json", length=len(_COMPLETION)) + _COMPLETION)
    await writer.drain()
    return True


Behaviour = Callable[[_Req, Writer], Awaitable[bool]]


@dataclass(frozen=True)
class Hostile:
    """One hostile behaviour; ``health_ok``: GET /v1/health still answers correctly."""

    name: str
    description: str
    behaviour: Behaviour
    health_ok: bool = True


HOSTILE: dict[str, Hostile] = {
    h.name: h
    for h in (
        Hostile("hang", "accepts connections and never answers anything", _hang, health_ok=False),
        Hostile("hang-chat", "health answers; chat completions never do", _hang),
        Hostile("garbage", "answers every request with random bytes", _garbage, health_ok=False),
        Hostile("garbage-chat", "health answers; chat completions get random bytes", _garbage),
        Hostile("cut-stream", "a stream cut in the middle of an event", _cut_stream),
        Hostile("stream-forever", "chat bodies and streams that never end", _stream_forever),
        Hostile("huge-body", "a 1 GiB chat body, advertised and sent", _huge_body),
        Hostile("drip", "a correct completion, one byte every 0.5 s", _drip),
        Hostile("gzip-bomb", "Content-Encoding: gzip, gzip: 5 KB inflating to 2 GiB", _gzip_gzip),
        Hostile("sse-flood", "every chat answer: 466,000 tiny SSE events (~4 MiB)", _sse_flood),
        Hostile("deep-json", "chat answers and stream chunks: JSON nested 10^6 deep", _deep_json),
        Hostile(
            "echo-token",
            "echoes the token upper-cased, reversed, spaced, base64'd, "
            "%-encoded, and split across stream chunks",
            _echo_token,
        ),
        Hostile("slow", "a correct completion after 0.2 s for <= 16 tokens, else 30 s", _slow),
    )
}


async def _read_request(reader: asyncio.StreamReader) -> _Req | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, *_ = [*lines[0].split(" "), "", ""]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return _Req(method, path.split("?")[0], body, headers)


async def _serve_connection(hostile: Hostile, reader: asyncio.StreamReader, writer: Writer) -> None:
    try:
        while (req := await _read_request(reader)) is not None:
            if req.is_health and hostile.health_ok:
                writer.write(_head("200 OK", "application/json", len(_HEALTH)) + _HEALTH)
                await writer.drain()
                continue
            if not await hostile.behaviour(req, writer):
                break
    except (ConnectionError, asyncio.IncompleteReadError):
        pass  # the client gave up: exactly what a hostile server hopes for
    finally:
        writer.close()


async def serve_hostile(name: str, host: str, port: int, ready: Callable[[int], None]) -> None:
    """Serve hostile behaviour ``name`` until cancelled; ``ready`` gets the bound port."""
    hostile = HOSTILE[name]
    if name == "gzip-bomb":
        _gzip_bomb()  # before the server says it is ready

    async def handle(reader: asyncio.StreamReader, writer: Writer) -> None:
        await _serve_connection(hostile, reader, writer)

    server = await asyncio.start_server(handle, host, port)
    ready(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()
