"""Running the reference server under uvicorn."""

from __future__ import annotations

import signal
import socket
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from ._app import create_app

__all__ = ["ServeError", "serve"]

READY_PREFIX = "vlmspec serve: listening on"


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


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: str | Path | None = None,
    api_keys: Sequence[str] = (),
    access_log: bool = False,
) -> None:
    """Serve until interrupted; raise ServeError when the server cannot start."""
    if db is not None and Path(db).is_dir():
        raise ServeError(f"--db {db}: is a directory")
    try:
        app = create_app(db_path=db, api_keys=api_keys)
    except sqlite3.Error as exc:
        raise ServeError(f"--db {db}: cannot open the database: {exc}") from None
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if api_keys:
        print(f"vlmspec serve: {len(api_keys)} API key(s) configured; other tokens get 401")
    else:
        print("vlmspec serve: no --api-key given: any bearer token is accepted")
    where = f"SQLite {db}" if db is not None else "memory (pass --db PATH to persist)"
    print(f"vlmspec serve: sessions and guest counters kept in {where}")
    config = uvicorn.Config(
        app,
        loop="auto",
        http="httptools",
        lifespan="off",
        access_log=access_log,
        log_level="info" if access_log else "warning",
        timeout_graceful_shutdown=5,
    )

    def ready() -> None:
        print(f"{READY_PREFIX} http://{shown}:{bound}", flush=True)

    sys.stdout.flush()
    # uvicorn shuts down gracefully, then re-raises the signal: make that exit a clean 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    _Server(config, ready).run(sockets=[sock])


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
