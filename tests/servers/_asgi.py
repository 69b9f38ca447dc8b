"""A buffering ASGI middleware that lets one fault rewrite a request or its response."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "ASGIApp",
    "Call",
    "FaultHandler",
    "FaultMiddleware",
    "Request",
    "Response",
    "dump_sse",
    "parse_sse",
    "read_request",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DONE = "[DONE]"


@dataclass(frozen=True)
class Request:
    """One buffered HTTP request."""

    method: str
    path: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    scope: Scope = field(repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower().encode()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None

    def without_header(self, name: str) -> Request:
        """A copy of this request without header ``name``."""
        unwanted = name.lower().encode()
        kept = tuple((k, v) for k, v in self.headers if k.lower() != unwanted)
        return replace(self, headers=kept)

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def with_json(self, payload: Any) -> Request:
        """A copy of this request whose body is ``payload`` as JSON."""
        return replace(self, body=json.dumps(payload).encode())

    @property
    def is_chat(self) -> bool:
        """True for a POST to the chat completions route."""
        return self.method == "POST" and self.path.rstrip("/").endswith("/chat/completions")


@dataclass(frozen=True)
class Response:
    """One buffered HTTP response (a stream is buffered whole: the reference's are short)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type, without parameters, lower-cased ("" when absent)."""
        for key, value in self.headers:
            if key.lower() == b"content-type":
                return value.decode("latin-1").split(";")[0].strip().lower()
        return ""

    @property
    def is_json(self) -> bool:
        """True for an ``application/json`` body."""
        return self.content_type == "application/json"

    @property
    def is_sse(self) -> bool:
        """True for a ``text/event-stream`` body."""
        return self.content_type == "text/event-stream"

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError when it is not)."""
        return json.loads(self.body)

    def with_header(self, name: str, value: str) -> Response:
        """A copy with header ``name`` set to ``value`` (replacing any previous value)."""
        key = name.lower().encode()
        kept = tuple((k, v) for k, v in self.headers if k.lower() != key)
        return replace(self, headers=(*kept, (key, value.encode("latin-1"))))

    def with_json(self, payload: Any, status: int | None = None) -> Response:
        """A copy whose body is ``payload`` as JSON (and optionally another status)."""
        body = json.dumps(payload).encode()
        updated = replace(self, body=body, status=self.status if status is None else status)
        return updated.with_header("content-type", "application/json")

    def events(self) -> list[str]:
        """The ``data:`` payloads of an event stream, in order."""
        return parse_sse(self.body)

    def with_events(self, events: list[str]) -> Response:
        """A copy whose event-stream body carries ``events`` as ``data:`` lines."""
        return replace(self, body=dump_sse(events))

    def chunks(self) -> list[dict[str, Any]]:
        """The chunk objects of an event stream (every event but the terminator)."""
        return [json.loads(event) for event in self.events() if event != DONE]

    def with_chunks(self, chunks: list[dict[str, Any]], done: bool = True) -> Response:
        """A copy whose stream carries ``chunks`` (then ``[DONE]`` unless ``done`` is False)."""
        events = [json.dumps(chunk) for chunk in chunks]
        return self.with_events([*events, DONE] if done else events)


def parse_sse(body: bytes) -> list[str]:
    """Split an event-stream body into the data of each event."""
    events: list[str] = []
    for block in body.decode("utf-8").replace("\r\n", "\n").split("\n\n"):
        lines = [line[5:] for line in block.split("\n") if line.startswith("data:")]
        if lines:
            lines = [line.removeprefix(" ") for line in lines]
            events.append("\n".join(lines))
    return events


def dump_sse(events: list[str]) -> bytes:
    """Render ``events`` as an event-stream body."""
    return "".join(f"data: {event}\n\n" for event in events).encode("utf-8")


Call = Callable[[Request], Awaitable[Response]]
"""Sends a request to the wrapped (correct) app and returns its whole response."""

FaultHandler = Callable[[Request, Call], Awaitable[Response]]
"""One fault: gets the request and a way to call the correct app; returns what to answer."""


async def read_request(scope: Scope, receive: Receive) -> Request | None:
    """The whole request of ``scope`` (None when the client left before sending it all)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return Request(
        method=scope["method"],
        path=scope["path"],
        headers=tuple(scope.get("headers", ())),
        body=bytes(body),
        scope=scope,
    )


class FaultMiddleware:
    """Wraps an ASGI app so that ``handler`` decides every HTTP response."""

    def __init__(self, app: ASGIApp, handler: FaultHandler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = await read_request(scope, receive)
        if request is None:
            return
        response = await self.handler(request, self._call)
        headers = [(k, v) for k, v in response.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    async def _call(self, request: Request) -> Response:
        scope = dict(request.scope)
        headers = [(k, v) for k, v in request.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(request.body)).encode()))
        scope["headers"] = headers
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                # The client stays connected until the app is done: a stream must not be cut.
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        status = 500
        out_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = list(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return Response(status=status, headers=tuple(out_headers), body=b"".join(chunks))
