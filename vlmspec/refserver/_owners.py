"""Who owns a session or a guest counter: hashes of what identifies the caller, never raw values."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Guest", "digest", "guest_of", "key_owner"]


def digest(*parts: str) -> str:
    """A short, stable hash of *parts* (raw keys and headers are never stored)."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part.encode("utf-8", "surrogatepass"))
        hashed.update(b"\0")
    return hashed.hexdigest()[:32]


def key_owner(token: str) -> str:
    """The owner of everything done with this API key."""
    return "key:" + digest("key", token)


@dataclass(frozen=True)
class Guest:
    """A guest: its browser (what the daily limit counts), its address, its sessions' owner."""

    browser: str
    address: str
    owner: str


def guest_of(headers: Mapping[str, str], host: str | None) -> Guest:
    """Identify an anonymous caller by X-Browser-Id (else User-Agent) and client address."""
    address = host or "-"
    browser_id = headers.get("x-browser-id")
    if browser_id:
        browser = digest("browser", browser_id)
    else:
        browser = digest("agent", address, headers.get("user-agent", ""))
    # Sessions need the address too: a browser id alone is client-chosen and guessable.
    return Guest(browser, digest("address", address), "guest:" + digest("guest", address, browser))
