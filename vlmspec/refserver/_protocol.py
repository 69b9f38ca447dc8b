"""uvicorn's httptools protocol with the bounds it lacks: head size, header count, read deadlines.

uvicorn bounds none of these with httptools (``h11_max_incomplete_event_size`` applies to h11
only, and h11 answers 400, not 431): a 64 MiB ``User-Agent`` was read in full, and a client that
never finishes its head held a file descriptor forever.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["GuardedHttpToolsProtocol"]

MAX_HEAD_BYTES = 64 * 1024
"""Request line and headers together."""
MAX_HEADERS = 100
HEAD_TIMEOUT = 10.0
"""Seconds from a request's first byte (or the connection) to the end of its headers."""
BODY_TIMEOUT = 60.0
"""Seconds from the end of the headers to the end of the body."""
MAX_CONNECTIONS = 1024
"""Open connections; past it the longest-waiting unfinished head (or idle one) is closed."""

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol answering 431 past the head bounds and 408 past the read deadlines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._header_count = 0
        self._tail = b""
        self._too_large = False
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_since = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = self.loop.time()
        if len(self.connections) > MAX_CONNECTIONS:
            # Refusing newcomers would let slow clients lock everyone out: shed the slowest.
            victim = min(
                (
                    c
                    for c in self.connections
                    if isinstance(c, GuardedHttpToolsProtocol) and c._idle
                ),
                key=lambda c: c._waiting_since,
                default=self,
            )
            victim.transport.close()
            if victim is self:
                return
        self._arm(HEAD_TIMEOUT)

    @property
    def _idle(self) -> bool:
        """Waiting for a request's head, with no request of its own in progress."""
        busy = self.cycle is not None and not self.cycle.response_complete
        return self._in_head and not busy and not self.transport.is_closing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._read_timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _read_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            self._answer_and_close(408, "the request was not received in time")
        else:
            self.transport.close()

    def _answer_and_close(self, status: int, message: str) -> None:
        # the error body the spec documents for 408 and 431 (overlay 040), like every other error
        body = json.dumps({"detail": message}).encode()
        head = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
        head += b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body)
        self.transport.write(head + b"connection: close\r\n\r\n" + body)
        self.transport.close()

    def _head_overflows(self, data: bytes) -> bool:
        end = (self._tail + data).find(b"\r\n\r\n")
        if end >= 0:
            size = self._head_bytes - len(self._tail) + end + 4
        else:
            size = self._head_bytes + len(data)
        self._head_bytes += len(data)
        self._tail = (self._tail + data)[-3:]
        return size > MAX_HEAD_BYTES

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._in_head:
            if self._deadline is None:
                self._arm(HEAD_TIMEOUT)  # a keep-alive connection's next request began
                self._waiting_since = self.loop.time()
            if self._head_overflows(data):
                self._answer_and_close(431, "request headers too large")
                return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._too_large:
                self._answer_and_close(431, f"more than {MAX_HEADERS} request headers")
                return
            message = "Invalid HTTP request received."
            self.logger.warning(message)
            self.send_400_response(message)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        self._header_count = 0
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            self._too_large = True
            raise ValueError("too many headers")  # stops the parser; answered as 431 above
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._arm(BODY_TIMEOUT)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._head_bytes, self._tail = True, 0, b""
        super().on_message_complete()
