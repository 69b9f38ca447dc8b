"""Bearer keys, guests and their daily limits: who is calling, and may they be served."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._guests import GuestCounters, seconds_to_midnight
from ._owners import Guest, guest_of, key_owner

__all__ = ["ADDRESS_FACTOR", "Caller", "Gate", "Refused"]

ADDRESS_FACTOR = 10
"""A client address may serve this many browsers' worth of guest chats a day."""

_BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Refused(Exception):
    """The caller may not be served: status, detail and headers of the answer."""

    def __init__(self, status_code: int, detail: str, headers: Mapping[str, str]) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers)


@dataclass(frozen=True)
class Caller:
    """An admitted caller: the owner of its sessions, and the guest to count (None for keys)."""

    owner: str
    guest: Guest | None


class Gate:
    """Admits callers: a known bearer key, or a guest within today's limits."""

    def __init__(self, api_keys: Sequence[str], guest_daily_limit: int) -> None:
        self._keys = [key.encode() for key in api_keys]
        self.guest_daily_limit = guest_daily_limit
        self.counters = GuestCounters(guest_daily_limit, guest_daily_limit * ADDRESS_FACTOR)

    def identify(
        self,
        authorization: str | None,
        token: str | None,
        headers: Mapping[str, str],
        host: str | None,
    ) -> Caller:
        """Who is calling; raise Refused for a bad token or a guest with nothing left today."""
        if authorization is None:
            guest = guest_of(headers, host)
            if self.counters.used_up(guest):
                raise self._limit_reached()
            return Caller(guest.owner, guest)
        if not token:
            raise Refused(401, "Authorization must be `Bearer <api key>`", _BEARER_CHALLENGE)
        # Every key is compared, each in constant time, so timing tells nothing about the keys.
        matches = [hmac.compare_digest(token.encode(), key) for key in self._keys]
        if self._keys and not any(matches):
            raise Refused(401, "Invalid API key", _BEARER_CHALLENGE)
        return Caller(key_owner(token), None)

    def count(self, caller: Caller) -> None:
        """Count one valid chat for a guest; raise Refused past the daily limit."""
        if caller.guest is not None and not self.counters.take(caller.guest):
            raise self._limit_reached()

    def _limit_reached(self) -> Refused:
        wait = seconds_to_midnight(dt.datetime.now(dt.UTC))
        return Refused(
            429,
            f"Guest limit of {self.guest_daily_limit} chats a day reached; "
            "send an API key or retry after midnight UTC",
            {"Retry-After": str(wait)},
        )
