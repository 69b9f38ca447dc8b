"""Running the reference server under uvicorn."""

from __future__ import annotations

import contextlib
import resource
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from ._app import create_app
from ._protocol import MAX_CONNECTIONS, GuardedHttpToolsProtocol

__all__ = ["ServeError", "serve"]

READY_PREFIX = "vlmspec serve: listening on"
_FD_MARGIN = 64  # descriptors for the database, worker pipes and logs


class ServeError(Exception):
    """The server cannot start (one line for the user)."""


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            self._on_ready()


def _bind(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except (OSError, OverflowError, UnicodeError) as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc}") from None


def _descriptors_for_connections() -> None:
    """Raise the soft descriptor limit so MAX_CONNECTIONS fit; the cap then holds, not the OS."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + _FD_MARGIN
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):  # the cap still closes the excess
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: str | Path | None = None,
    api_keys: Sequence[str] = (),
    access_log: bool = False,
    *,
    guest_limit: int = 10,
    key_note: str | None = None,
) -> None:
    """Serve until interrupted; raise ServeError when the server cannot start.

    *key_note* is printed as the ``api_key:`` line instead of the key (for keys the user gave).
    """
    if not api_keys:
        raise ServeError("no API key configured")
    if db is not None and Path(db).is_dir():
        raise ServeError(f"--db {db}: is a directory")
    try:
        app = create_app(db_path=db, api_keys=api_keys, guest_daily_limit=guest_limit)
    except sqlite3.Error as exc:
        raise ServeError(f"--db {db}: cannot open the database: {exc}") from None
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    where = f"SQLite {db}" if db is not None else "memory (pass --db PATH to persist)"
    print(f"vlmspec serve: sessions kept in {where}; guest counters in memory")
    print(f"vlmspec serve: guests get {guest_limit} chats a day per browser; other tokens get 401")
    print(f"base_url: http://{shown}:{bound}/v1/openai")
    print(f"api_key: {key_note or api_keys[0]}")
    _descriptors_for_connections()
    config = uvicorn.Config(
        app,
        loop="auto",
        http=GuardedHttpToolsProtocol,
        lifespan="off",
        access_log=access_log,
        log_level="info" if access_log else "warning",
        timeout_graceful_shutdown=5,
        timeout_keep_alive=5,
        # uvicorn counts connections here, so slow clients would get everyone a 503; the
        # protocol sheds the slowest connection instead, and this stays a backstop above it.
        limit_concurrency=2 * MAX_CONNECTIONS,
    )

    def ready() -> None:
        print(f"{READY_PREFIX} http://{shown}:{bound}", flush=True)

    sys.stdout.flush()
    # uvicorn shuts down gracefully, then re-raises the signal: make that exit a clean 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    try:
        _Server(config, ready).run(sockets=[sock])
    finally:
        app.state.refserver.pool.close()


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
