"""A bounded HTTP transport: request budget, rate limit, deadlines and a cap on bytes read."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._deadline import deadline as within
from ._deadline import deadline_transport

__all__ = ["Budget", "BudgetExhausted", "Exchange", "RateLimiter", "Transport"]

_USER_AGENT = "vlmspec-conform/0.1"
_MAX_RETRY_WAIT = 10.0
_MAX_429_RETRIES = 2
_BREAKER_THRESHOLD = 3


class BudgetExhausted(Exception):
    """The run used up `--max-requests`."""


class Budget:
    """A hard, thread-safe cap on requests sent."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self.exhausted = False
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self.limit is not None and self.used >= self.limit:
                self.exhausted = True
                raise BudgetExhausted(f"--max-requests {self.limit} used up")
            self.used += 1


class RateLimiter:
    """A token bucket: at most ``rate`` requests per second on average, bursts of ``rate``."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._tokens = max(1.0, rate or 1.0)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self.rate:
            return
        capacity = max(1.0, self.rate)
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            time.sleep(wait)


@dataclass
class Exchange:
    """One request and what came back (``error`` names a transport-level problem)."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any = None
    raw_body: bytes | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    error: str | None = None
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            return None


class Transport:
    """Sends requests for every check of a run, within its budget, rate and time limits."""

    def __init__(
        self,
        budget: Budget,
        limiter: RateLimiter,
        *,
        timeout: float = 10.0,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        self.budget = budget
        self.limiter = limiter
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.dead: str | None = None
        self._timeouts = 0
        self._lock = threading.Lock()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        self._client = httpx.Client(
            timeout=timeout, transport=deadline_transport(limits), follow_redirects=False
        )

    def close(self) -> None:
        self._client.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        raw_body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request (retrying a bounded 429 Retry-After); raise BudgetExhausted."""
        sent = {"user-agent": _USER_AGENT, **{k.lower(): v for k, v in (headers or {}).items()}}
        if json_body is not None or raw_body is not None:
            sent.setdefault("content-type", "application/json")
        exchange = Exchange(method, url, sent, json_body, raw_body)
        if self.dead is not None:
            exchange.error = f"not sent: {self.dead}"
            return exchange
        for attempt in range(_MAX_429_RETRIES + 1):
            self.budget.take()
            self.limiter.acquire()
            self._once(exchange)
            wait = _retry_after(exchange)
            if wait is None or attempt == _MAX_429_RETRIES:
                break
            time.sleep(wait)
        return exchange

    def _once(self, exchange: Exchange) -> None:
        content = exchange.raw_body
        if content is None and exchange.body is not None:
            content = json.dumps(exchange.body).encode()
        exchange.status, exchange.content, exchange.error = None, b"", None
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            request = self._client.build_request(
                exchange.method, exchange.url, content=content, headers=exchange.headers
            )
            with within(deadline):
                response = self._client.send(request, stream=True)
                try:
                    exchange.status = response.status_code
                    exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
                    exchange.content, exchange.error = self._read(response, deadline)
                finally:
                    response.close()
        except httpx.TimeoutException:
            exchange.error = (
                f"no answer within the {self.timeout:g}s timeout (server hangs)"
                if exchange.status is None
                else f"response not complete within the {self.timeout:g}s timeout "
                "(endless or stalled body/stream)"
            )
        except httpx.ConnectError as exc:
            exchange.error = f"cannot connect: {_reason(exc)}"
        except (httpx.RemoteProtocolError, httpx.LocalProtocolError) as exc:
            exchange.error = f"malformed HTTP response: {_reason(exc)}"
        except httpx.DecodingError as exc:
            exchange.error = f"undecodable response body: {_reason(exc)}"
        except httpx.HTTPError as exc:
            exchange.error = f"transport error: {type(exc).__name__}: {_reason(exc)}"
        exchange.elapsed = time.monotonic() - started
        self._note(exchange)

    def _read(self, response: httpx.Response, deadline: float) -> tuple[bytes, str | None]:
        buffer = bytearray()
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > self.max_bytes:
                return bytes(buffer[: self.max_bytes]), (
                    f"response body exceeds {self.max_bytes} bytes (huge or endless body)"
                )
            if time.monotonic() > deadline:
                return bytes(buffer), (
                    f"response not complete within the {self.timeout:g}s timeout "
                    "(endless or stalled body/stream)"
                )
        return bytes(buffer), None

    def _note(self, exchange: Exchange) -> None:
        with self._lock:
            if exchange.error and "timeout" in exchange.error:
                self._timeouts += 1
                if self._timeouts >= _BREAKER_THRESHOLD:
                    self.dead = f"server stopped answering ({self._timeouts} timeouts in a row)"
            else:
                self._timeouts = 0


def _retry_after(exchange: Exchange) -> float | None:
    """Seconds to wait before retrying a 429 that asks for it (bounded), else None."""
    if exchange.status != 429:
        return None
    try:
        wait = float(exchange.response_headers.get("retry-after", ""))
    except ValueError:
        return None
    return wait if 0 <= wait <= _MAX_RETRY_WAIT else None


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
