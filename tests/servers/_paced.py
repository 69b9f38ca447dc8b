"""A middleware like FaultMiddleware whose handler may also answer in paced pieces.

FaultMiddleware always sends one buffered body with a Content-Length. Real servers do more:
chunked transfer encoding, a slow first byte, events trickling out, a stream cut when another
request arrives. A handler here returns either a ``Response`` (sent as FaultMiddleware sends it)
or a ``Paced`` answer (sent piece by piece, chunked, on its own schedule).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ._asgi import (
    ASGIApp,
    Call,
    FaultMiddleware,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    read_request,
)

__all__ = ["AnyHandler", "Paced", "PacedMiddleware", "paced"]


@dataclass(frozen=True)
class Paced:
    """An answer sent in ``pieces``: no Content-Length, so uvicorn frames it chunked."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    pieces: tuple[bytes, ...]
    first_byte_delay: float = 0.0
    piece_delay: float = 0.0
    # Checked before each piece after the first: True ends the body at once with ``tail``.
    stop: Callable[[], bool] | None = None
    tail: bytes = b""


AnyHandler = Callable[[Request, Call], Awaitable[Response | Paced]]
"""A handler that answers with a buffered ``Response`` or a ``Paced`` one."""


def paced(
    response: Response,
    pieces: list[bytes],
    *,
    first_byte_delay: float = 0.0,
    piece_delay: float = 0.0,
) -> Paced:
    """``response`` (status and headers) with its body sent as ``pieces``."""
    headers = tuple((k, v) for k, v in response.headers if k.lower() != b"content-length")
    return Paced(response.status, headers, tuple(pieces), first_byte_delay, piece_delay)


class PacedMiddleware(FaultMiddleware):
    """Wraps an ASGI app so that ``handler`` decides every HTTP response, paced or not."""

    def __init__(self, app: ASGIApp, handler: AnyHandler) -> None:
        self.paced_handler = handler

        async def buffered(request: Request, call: Call) -> Response:
            raise AssertionError("PacedMiddleware sends its own responses")  # pragma: no cover

        super().__init__(app, buffered)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = await read_request(scope, receive)
        if request is None:
            return
        answer = await self.paced_handler(request, self._call)
        if isinstance(answer, Response):
            answer = paced(answer, [answer.body])
            headers = [*answer.headers, (b"content-length", str(len(answer.pieces[0])).encode())]
            answer = Paced(answer.status, tuple(headers), answer.pieces)
        await _send_paced(answer, send)


async def _send_paced(answer: Paced, send: Send) -> None:
    if answer.first_byte_delay:
        await asyncio.sleep(answer.first_byte_delay)
    start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
    await send(start)
    for number, piece in enumerate(answer.pieces):
        if number and answer.piece_delay:
            await asyncio.sleep(answer.piece_delay)
        if number and answer.stop is not None and answer.stop():
            await send({"type": "http.response.body", "body": answer.tail})
            return
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
