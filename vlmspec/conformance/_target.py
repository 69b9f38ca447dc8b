"""Where the suite sends requests: a user-given base URL, or an embedded reference server."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

__all__ = ["ConfigError", "Target", "embedded_server", "target_from_base_url"]

_READY_LINE = "vlmspec serve: listening on "


class ConfigError(Exception):
    """A usage, configuration or reachability problem (exit code 2)."""


@dataclass(frozen=True)
class Target:
    """The server under test: the OpenAI-SDK base URL and the URLs derived from it."""

    base_url: str
    token: str | None
    deterministic: bool = False
    embedded: bool = False

    @property
    def chat_url(self) -> str:
        """``{base}/chat/completions``: OpenAI's contract (other routes: ``Spec.url``)."""
        return f"{self.base_url}/chat/completions"


def target_from_base_url(
    base_url: str, token: str | None, *, deterministic: bool = False
) -> Target:
    """Check ``base_url`` (what a user hands the OpenAI SDK) and build a target, or raise."""
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConfigError(f"--base-url {base_url!r} is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"--base-url {base_url!r} must be an http(s) URL such as "
            "https://api.vlm.run/v1/openai or http://127.0.0.1:8000/v1"
        )
    if url.query or url.fragment:
        raise ConfigError(f"--base-url {base_url!r} must not carry a query or fragment")
    clean = str(url.copy_with(query=None, fragment=None)).rstrip("/")
    return Target(base_url=clean, token=token or None, deterministic=deterministic)


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
