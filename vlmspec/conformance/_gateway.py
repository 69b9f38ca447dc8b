"""How requests reach a server behind a gateway: extra headers, a proxy, TLS trust."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from ._errors import ConfigError

__all__ = ["Connection", "looks_secret", "parse_headers"]

# Header names whose values are credentials: never printed, always redacted.
_SECRET_HEADER = re.compile(
    r"authorization|cookie|api[-_]?key|token|secret|password|passwd|session|signature|credential",
    re.IGNORECASE,
)
_TOKEN_CHARS = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token: a header name


def looks_secret(name: str) -> bool:
    """Whether a header named ``name`` carries a credential (Authorization, X-Api-Key, …)."""
    return bool(_SECRET_HEADER.search(name))


def parse_headers(values: Iterable[str]) -> dict[str, str]:
    """``--header K:V`` values as a dict (lower-case names); raise ConfigError on a bad one."""
    headers: dict[str, str] = {}
    for value in values:
        name, colon, content = value.partition(":")
        name, content = name.strip(), content.strip()
        if not colon or not name or not _TOKEN_CHARS.match(name):
            shown = name if name and _TOKEN_CHARS.match(name) else "?"
            raise ConfigError(f"--header {shown}:… must be NAME:VALUE (e.g. X-Gateway-Key:abc)")
        if any(c in content for c in "\r\n\0"):
            raise ConfigError(f"--header {name}: the value must not contain line breaks")
        headers[name.lower()] = content
    return headers


@dataclass(frozen=True)
class Connection:
    """Gateway options of a run: sent headers, proxy, TLS trust, and userinfo from the URL."""

    headers: dict[str, str] = field(default_factory=dict)
    proxy: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    basic_auth: str | None = None  # an `Authorization: Basic …` value from user:pass@ in the URL

    def secrets(self) -> list[str]:
        """Values that must never be printed: secret-named headers, the Basic credential."""
        found = [v for k, v in self.headers.items() if looks_secret(k)]
        if self.basic_auth:
            found += [self.basic_auth, self.basic_auth.partition(" ")[2]]
        return found

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context: the CA bundle or certifi's, or no verification with ``insecure``."""
        if self.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.ca_bundle is None:
            return httpx.create_ssl_context()
        try:
            return ssl.create_default_context(cafile=self.ca_bundle)
        except (OSError, ssl.SSLError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or " ".join(str(exc).split()) or "unreadable"
            raise ConfigError(f"--ca-bundle {self.ca_bundle}: {reason}") from None

    def proxy_url(self) -> httpx.URL | None:
        """The proxy's URL (http or https), or None; raise ConfigError on a bad one."""
        if self.proxy is None:
            return None
        try:
            url = httpx.URL(self.proxy)
        except (httpx.InvalidURL, ValueError) as exc:
            raise ConfigError(f"--proxy is not a URL: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError("--proxy must be an http:// or https:// URL (e.g. http://proxy:3128)")
        return url

    def check(self) -> None:
        """Raise ConfigError now for a bad proxy or CA bundle (before any request)."""
        self.ssl_context()
        self.proxy_url()
