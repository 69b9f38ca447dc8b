"""Bearer keys and the guest daily limit."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._store import Store

__all__ = ["Gate", "Refused"]

_BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Refused(Exception):
    """The caller may not be served: status, detail and headers of the answer."""

    def __init__(self, status_code: int, detail: str, headers: Mapping[str, str]) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers)


@dataclass(frozen=True)
class Gate:
    """Admits callers: a known bearer key, or a guest within today's limit."""

    api_keys: Sequence[str]
    store: Store
    guest_daily_limit: int

    def authenticate(self, authorization: str | None, token: str | None) -> bool:
        """Return True for a guest (no Authorization header); raise Refused for a bad token."""
        if authorization is None:
            return True
        if not token:
            raise Refused(401, "Authorization must be `Bearer <api key>`", _BEARER_CHALLENGE)
        if self.api_keys and not any(
            hmac.compare_digest(token.encode(), key.encode()) for key in self.api_keys
        ):
            raise Refused(401, "Invalid API key", _BEARER_CHALLENGE)
        return False

    async def count_guest(self, headers: Mapping[str, str], host: str | None) -> None:
        """Count one chat for this guest's browser today; raise Refused past the daily limit."""
        now = dt.datetime.now(dt.UTC)
        browser = headers.get("x-browser-id") or f"{host or '-'}|{headers.get('user-agent', '')}"
        day = now.date().isoformat()
        if not await self.store.take_guest_chat(browser, day, self.guest_daily_limit):
            midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
            wait = max(1, int((midnight - now).total_seconds() + 0.999))
            raise Refused(
                429,
                f"Guest limit of {self.guest_daily_limit} chats a day reached; "
                "send an API key or retry after midnight UTC",
                {"Retry-After": str(wait)},
            )
