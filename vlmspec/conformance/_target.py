"""Where the suite sends requests: a user-given base URL, or an embedded reference server."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx

from ._errors import ConfigError
from ._gateway import Connection

__all__ = ["ConfigError", "Target", "embedded_server", "shown_url", "target_from_base_url"]

_READY_LINE = "vlmspec serve: listening on "
SERVE_BASE_URL = "http://127.0.0.1:8000/v1/openai"  # `vlmspec serve`'s SDK base URL
_SUFFIX = "/chat/completions"


@dataclass(frozen=True)
class Target:
    """The server under test: the OpenAI-SDK base URL and the URLs derived from it.

    ``base_url`` never carries userinfo (it is printed everywhere); a `user:pass@` given in
    --base-url travels as ``connection.basic_auth``. ``latency`` is the preflight's measured time
    for a small request, quoted when a request times out.
    """

    base_url: str
    token: str | None
    deterministic: bool = False
    embedded: bool = False
    connection: Connection = field(default_factory=Connection)
    latency: float | None = None

    def shown(self, url: str | None = None) -> str:
        """``url`` (default: the base URL) as printed: `https://***@host` when it had userinfo."""
        url = url or self.base_url
        return url.replace("://", "://***@", 1) if self.connection.basic_auth else url

    @property
    def chat_url(self) -> str:
        """``{base}/chat/completions``: OpenAI's contract (other routes: ``Spec.url``)."""
        return f"{self.base_url}/chat/completions"


def shown_url(url: str) -> str:
    """``url`` fit to print: `https://user:pass@host` becomes `https://***@host`."""
    return re.sub(r"(?<=://)[^/?#@\s]*@", "***@", url)


def target_from_base_url(
    base_url: str,
    token: str | None,
    *,
    deterministic: bool = False,
    connection: Connection | None = None,
) -> Target:
    """Check ``base_url`` (what a user hands the OpenAI SDK) and build a target, or raise."""
    shown = shown_url(base_url.strip())
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        reason = shown_url(" ".join(str(exc).split()))
        raise ConfigError(f"--base-url {shown!r} is not a URL: {reason}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"--base-url {shown!r} must be an http(s) URL such as "
            f"https://api.vlm.run/v1/openai or {SERVE_BASE_URL} (vlmspec serve)"
        )
    if url.query or url.fragment:
        raise ConfigError(f"--base-url {shown!r} must not carry a query or fragment")
    connection = connection or Connection()
    if url.userinfo:
        user, password = url.username, url.password
        credential = base64.b64encode(f"{user}:{password}".encode()).decode()
        connection = dataclasses.replace(connection, basic_auth=f"Basic {credential}")
    clean = str(url.copy_with(query=None, fragment=None, username=None, password=None))
    clean = clean.rstrip("/")
    if clean.endswith(_SUFFIX):
        fix = clean.removesuffix(_SUFFIX)
        fix = fix.replace("://", "://***@", 1) if url.userinfo else fix
        raise ConfigError(
            f"--base-url must not end in {_SUFFIX}: the OpenAI SDK appends it; use --base-url {fix}"
        )
    return Target(
        base_url=clean, token=token or None, deterministic=deterministic, connection=connection
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def embedded_server(
    startup_timeout: float = 30.0, on_spawn: Callable[[], None] | None = None
) -> Iterator[Target]:
    """Start the reference server (a subprocess) on a free loopback port with a fresh key.

    ``on_spawn`` runs while the server starts up (e.g. to load the spec meanwhile).
    """
    key = "vlmspec-conform-" + secrets.token_urlsafe(24)
    port = _free_port()
    command = [sys.executable, "-P", "-m", "vlmspec", "serve", "--host", "127.0.0.1"]
    # A private in-memory store: every run starts with no sessions and fresh guest counters.
    command += ["--port", str(port), "--api-key", key, "--db", ":memory:"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    except OSError as exc:
        raise ConfigError(f"cannot start the reference server: {exc}") from None
    ready = threading.Event()
    tail: list[str] = []

    def pump_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(_READY_LINE):
                ready.set()

    def pump_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            tail.append(line.rstrip())
            del tail[:-5]

    threading.Thread(target=pump_stdout, daemon=True).start()
    threading.Thread(target=pump_stderr, daemon=True).start()
    try:
        if on_spawn is not None:
            on_spawn()
        deadline = time.monotonic() + startup_timeout
        while not ready.wait(0.05):
            if process.poll() is not None or time.monotonic() > deadline:
                last = next((line for line in reversed(tail) if line.strip()), "no output")
                raise ConfigError(f"the embedded reference server did not start: {last}")
        base = f"http://127.0.0.1:{port}/v1/openai"
        yield Target(base_url=base, token=key, deterministic=True, embedded=True)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
