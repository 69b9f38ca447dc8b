"""A bounded HTTP transport: request budget, rate limit, deadlines and a cap on bytes read."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._deadline import deadline as within
from ._deadline import deadline_transport
from ._decode import ACCEPT_ENCODING, DecodeError, decoded
from ._gateway import Connection
from ._json import depth_problem, loads
from ._stream import EventParser, Stream, parse_stream

__all__ = ["Budget", "BudgetExhausted", "Exchange", "RateLimiter", "Transport"]

_USER_AGENT = "vlmspec-conform/0.1"
_MAX_RETRY_WAIT = 10.0
_MAX_429_RETRIES = 2
_BREAKER_THRESHOLD = 3
PREFLIGHT_TOKENS = 16  # the preflight's reply budget, quoted in timeout diagnoses


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
    stream: Stream | None = None  # parsed while reading, when the answer is an event stream

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON (or nested beyond judging)."""
        try:
            return loads(self.content)
        except (ValueError, UnicodeDecodeError):
            return None

    def events(self) -> Stream:
        """The body as an event stream: parsed once, within the request's deadline and bounds."""
        if self.stream is None:
            self.stream = parse_stream(self.content)
        return self.stream


class Transport:
    """Sends requests for every check of a run, within its budget, rate and time limits."""

    def __init__(
        self,
        budget: Budget,
        limiter: RateLimiter,
        *,
        timeout: float = 10.0,
        max_bytes: int = 4 * 1024 * 1024,
        connection: Connection | None = None,
        latency: float | None = None,
        retry_until: float | None = None,
    ) -> None:
        self.budget = budget
        self.limiter = limiter
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.connection = connection or Connection()
        self.latency = latency  # the preflight's small request: seconds, inf if it timed out
        # A 429's Retry-After is waited out only up to this monotonic time (the run's --max-time)
        self.retry_until = retry_until
        self.dead: str | None = None
        self._timeouts = 0
        self._lock = threading.Lock()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        transport = deadline_transport(
            limits,
            ssl_context=self.connection.ssl_context(),
            proxy=self.connection.proxy_url(),
        )
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

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
        sent = {
            "user-agent": _USER_AGENT,
            "accept-encoding": ACCEPT_ENCODING,
            **self.connection.headers,
            **{k.lower(): v for k, v in (headers or {}).items()},
        }
        if self.connection.basic_auth and "authorization" not in sent:
            sent["authorization"] = self.connection.basic_auth
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
            if self.retry_until is not None and time.monotonic() + wait > self.retry_until:
                # no retry before the deadline: wait until it (not hammering the server), give up
                time.sleep(max(0.0, self.retry_until - time.monotonic()))
                break
            time.sleep(wait)
        return exchange

    def _once(self, exchange: Exchange) -> None:
        content = exchange.raw_body
        if content is None and exchange.body is not None:
            content = json.dumps(exchange.body).encode()
        exchange.status, exchange.content, exchange.error = None, b"", None
        exchange.stream = None
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
                    exchange.error = self._read(response, deadline, exchange)
                finally:
                    response.close()
        except httpx.TimeoutException:
            exchange.error = self._timeout_text(exchange.status is None)
        except httpx.ConnectError as exc:
            exchange.error = f"cannot connect: {_reason(exc)}"
        except (httpx.RemoteProtocolError, httpx.LocalProtocolError) as exc:
            exchange.error = f"malformed HTTP response: {_reason(exc)}"
        except (httpx.DecodingError, DecodeError) as exc:
            exchange.error = f"undecodable response body: {_reason(exc)}"
        except httpx.HTTPError as exc:
            exchange.error = f"transport error: {type(exc).__name__}: {_reason(exc)}"
        exchange.elapsed = time.monotonic() - started
        self._note(exchange)

    def _timeout_text(self, no_answer: bool) -> str:
        """A timeout names the limit, the server's latency on a small request and the flag."""
        limit = f"--timeout {self.timeout:g} s"
        what = f"no answer within {limit}" if no_answer else f"response not complete within {limit}"
        if self.latency is None:
            return f"{what} (raise --timeout if the server is just slow)"
        if self.latency == float("inf"):
            return f"{what}; a {PREFLIGHT_TOKENS}-token request did not finish within it either"
        return (
            f"{what}: exceeded --timeout {self.timeout:g} s (a {PREFLIGHT_TOKENS}-token request "
            f"took {_seconds(self.latency)} s; raise --timeout if longer replies are just slow)"
        )

    def _dead_text(self) -> str:
        """Why the run stops sending: a hung server, or one too slow for --timeout."""
        limit = f"--timeout {self.timeout:g} s"
        if self.latency is None or self.latency == float("inf"):
            return f"server stopped answering ({self._timeouts} timeouts of {limit} in a row)"
        return (
            f"{self._timeouts} requests in a row exceeded {limit}, though a "
            f"{PREFLIGHT_TOKENS}-token request took {_seconds(self.latency)} s "
            "(raise --timeout if longer replies are just slow)"
        )

    def _read(self, response: httpx.Response, deadline: float, exchange: Exchange) -> str | None:
        """Read the body within the deadline, the byte cap and (for a stream) the event bound;
        decode it layer by layer and parse a stream as it arrives. None, or what went wrong."""
        raw_read = [0]

        def raw() -> Iterator[bytes]:
            for chunk in response.iter_raw():
                raw_read[0] += len(chunk)
                yield chunk
                if raw_read[0] > self.max_bytes:
                    return

        parser = EventParser() if exchange.content_type == "text/event-stream" else None
        buffer = bytearray()
        error: str | None = None
        encoding = response.headers.get("content-encoding", "")
        try:
            for piece in decoded(raw(), encoding):
                room = self.max_bytes + 1 - len(buffer)
                buffer += piece[:room]
                if parser is not None:
                    parser.feed(piece[:room])
                    if parser.full:
                        error = f"stream exceeds {parser.max_events} events (endless or flooding)"
                        break
                if len(buffer) > self.max_bytes or raw_read[0] > self.max_bytes:
                    error = f"response body exceeds {self.max_bytes} bytes (huge or endless body)"
                    break
                if time.monotonic() > deadline:
                    error = self._timeout_text(no_answer=False)
                    break
        finally:  # also when the read fails: what did arrive is kept, for the verdict to quote
            exchange.content = bytes(buffer[: self.max_bytes])
            if parser is not None:
                exchange.stream = parser.finish()
        if parser is None and error is None and "json" in exchange.content_type:
            deep = depth_problem(exchange.content)
            if deep is not None:
                error = f"response body is {deep}: not judged"
        return error

    def _note(self, exchange: Exchange) -> None:
        with self._lock:
            if exchange.error and "--timeout" in exchange.error:
                self._timeouts += 1
                if self._timeouts >= _BREAKER_THRESHOLD:
                    self.dead = self._dead_text()
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


def _seconds(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
