"""Fair blame for connection errors: a connection broken by one answer fails the next request
sent on it, and the next request's curl cannot reproduce that. The request that met the error is
sent once more, alone: if it is answered, the error belongs to the answer before it."""

from __future__ import annotations

import threading

from ._http import Exchange

__all__ = ["Recent", "broken_connection"]


def broken_connection(exchange: Exchange) -> bool:
    """No answer because the connection failed (not a timeout, not a request never sent)."""
    error = exchange.error or ""
    if exchange.status is not None or not error:
        return False
    return "timeout" not in error and not error.startswith("not sent")


class Recent:
    """The exchange that finished last, across every worker (what a reset most likely followed)."""

    def __init__(self) -> None:
        self._last: Exchange | None = None
        self._lock = threading.Lock()

    def swap(self, exchange: Exchange) -> Exchange | None:
        """Record ``exchange`` as the last one; return the one before it."""
        with self._lock:
            previous, self._last = self._last, exchange
            return previous
