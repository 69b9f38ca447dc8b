"""Guest chat counters: per browser and per client address, per UTC day, in memory."""

from __future__ import annotations

import datetime as dt

from ._owners import Guest

__all__ = ["GuestCounters", "seconds_to_midnight"]


def seconds_to_midnight(now: dt.datetime) -> int:
    """Whole seconds from *now* to the next UTC midnight (at least 1)."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return max(1, int((midnight - now).total_seconds() + 0.999))


class GuestCounters:
    """Valid chats today per browser (``limit``) and per address (``address_limit``).

    Kept in memory on purpose: a restart resets them, and a day's table holds at most
    ``address_limit`` browsers per address, because a browser is only recorded once it is served.
    """

    def __init__(self, limit: int, address_limit: int) -> None:
        self.limit = limit
        self.address_limit = address_limit
        self._day = ""
        self._browsers: dict[str, int] = {}
        self._addresses: dict[str, int] = {}

    def _today(self) -> None:
        day = dt.datetime.now(dt.UTC).date().isoformat()
        if day != self._day:
            self._day, self._browsers, self._addresses = day, {}, {}

    def used_up(self, guest: Guest) -> bool:
        """Whether this guest (or its address) has no chat left today."""
        self._today()
        return (
            self._browsers.get(guest.browser, 0) >= self.limit
            or self._addresses.get(guest.address, 0) >= self.address_limit
        )

    def take(self, guest: Guest) -> bool:
        """Count one chat; False (and nothing counted) when the browser or address is used up."""
        if self.used_up(guest):
            return False
        self._browsers[guest.browser] = self._browsers.get(guest.browser, 0) + 1
        self._addresses[guest.address] = self._addresses.get(guest.address, 0) + 1
        return True
