"""A whole-request deadline for httpx: its timeouts bound each read, so a server dripping one
byte at a time would otherwise hold a request forever."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Iterator

import httpcore
import httpx

__all__ = ["deadline", "deadline_transport"]

_LOCAL = threading.local()  # sync httpx does a request's I/O on the calling thread


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Every socket operation of this thread's requests must finish by ``at`` (monotonic)."""
    _LOCAL.at = at
    try:
        yield
    finally:
        _LOCAL.at = None


def _left(timeout: float | None) -> float | None:
    at: float | None = getattr(_LOCAL, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _left(timeout), local_address, socket_options
        )
        return _Stream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def deadline_transport(
    limits: httpx.Limits,
    *,
    ssl_context: ssl.SSLContext | None = None,
    proxy: httpx.URL | None = None,
) -> httpx.HTTPTransport:
    """An httpx transport whose connections honour ``deadline`` (through ``proxy``, if any)."""
    transport = httpx.HTTPTransport(limits=limits)
    context = ssl_context or httpx.create_ssl_context()
    # httpx has no hook for a network backend: give its transport a pool that has one.
    pool: dict[str, typing.Any] = {
        "ssl_context": context,
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
        "network_backend": _Backend(),
    }
    if proxy is None:
        transport._pool = httpcore.ConnectionPool(**pool)
        return transport
    user, password = proxy.username, proxy.password
    transport._pool = httpcore.HTTPProxy(
        proxy_url=httpcore.URL(
            scheme=proxy.raw_scheme, host=proxy.raw_host, port=proxy.port, target=proxy.raw_path
        ),
        proxy_auth=(user, password) if user else None,
        **pool,
    )
    return transport
