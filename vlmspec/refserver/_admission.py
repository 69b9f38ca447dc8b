"""ASGI middleware in front of the generated app: refuse early, and leave quietly.

A bad token or a guest with nothing left today is answered from the headers alone, before the
body is read or any schema, skill or prompt is looked at, so a refused caller costs no CPU.
A client that disconnects mid-request gets one short log line, not a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from ._auth import Gate, Refused

__all__ = ["Admission", "quiet_client_disconnects"]

_log = logging.getLogger("vlmspec.refserver")


def _bearer(authorization: str | None) -> str | None:
    # The same reading of the header as the generated server's.
    if authorization is None:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class Admission:
    """Refuses bad tokens (401) and spent guests (429) before the app reads the body."""

    def __init__(self, app: ASGIApp, gate: Gate, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.gate = gate
        # only a POST the app serves: any other path is the app's 404, never a 401/429
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and any(
            route.matches(scope)[0] is Match.FULL for route in self.routes
        ):
            headers = Headers(scope=scope)
            authorization = headers.get("authorization")
            client = scope.get("client")
            try:
                self.gate.identify(
                    authorization, _bearer(authorization), headers, client[0] if client else None
                )
            except Refused as refused:
                await _refuse(send, refused)
                return
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            _log.info("client disconnected mid-request: %s %s", scope["method"], scope["path"])


async def _refuse(send: Send, refused: Refused) -> None:
    body = json.dumps({"detail": refused.detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in refused.headers.items()
    ]
    await send({"type": "http.response.start", "status": refused.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _DisconnectsAsOneLine(logging.Filter):
    """A client gone mid-body is not a server failure: one info line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ClientDisconnect):
            record.msg = "client disconnected mid-request: " + str(record.msg)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_client_disconnects() -> None:
    """Install the filter on the generated server's logger (once)."""
    logger = logging.getLogger("vlmspec.generated.server")
    if not any(isinstance(f, _DisconnectsAsOneLine) for f in logger.filters):
        logger.addFilter(_DisconnectsAsOneLine())
