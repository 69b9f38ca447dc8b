"""SQLite persistence for session turns and guest counters, off the event loop.

Durability: WAL journal with ``synchronous=FULL`` fsyncs the WAL on every commit, and a turn is
committed before its response is sent, so an acknowledged turn survives ``kill -9`` (and power
loss). All statements run on one connection in one worker thread, which serializes writers, so
turn numbers of a session are assigned atomically under concurrent requests.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ._backend import Prior

__all__ = ["Store"]

_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    user_text TEXT NOT NULL,
    reply TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (session_id, turn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS guest_chats (
    browser_id TEXT NOT NULL,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (browser_id, day)
) WITHOUT ROWID;
"""


class Store:
    """One SQLite database (a file, or private memory when *path* is None)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = ":memory:" if path is None else str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refserver-db")
        self._db: sqlite3.Connection = self._executor.submit(self._open).result()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.executescript(_SCHEMA)
        return db

    async def _run(self, work: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    def _transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            result = work(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return result

    async def append_turn(
        self,
        session_id: str,
        user_text: str,
        build: Callable[[Prior], _T],
        reply_of: Callable[[_T], str],
    ) -> _T:
        """Build this turn from the session's past and commit it; return what *build* made."""

        def work(db: sqlite3.Connection) -> _T:
            last = db.execute(
                "SELECT turn, user_text FROM turns WHERE session_id = ? ORDER BY turn DESC LIMIT 1",
                (session_id,),
            ).fetchone()
            prior = Prior()
            if last is not None:
                first = db.execute(
                    "SELECT user_text FROM turns WHERE session_id = ? ORDER BY turn LIMIT 1",
                    (session_id,),
                ).fetchone()
                prior = Prior(turns=last[0], first_user_text=first[0], previous_user_text=last[1])
            made = build(prior)
            db.execute(
                "INSERT INTO turns (session_id, turn, user_text, reply, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, prior.turns + 1, user_text, reply_of(made), time.time()),
            )
            return made

        return await self._run(lambda: self._transaction(work))

    async def take_guest_chat(self, browser_id: str, day: str, limit: int) -> bool:
        """Count one chat for a guest today; False (and nothing counted) when *limit* is used up."""

        def work(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT count FROM guest_chats WHERE browser_id = ? AND day = ?", (browser_id, day)
            ).fetchone()
            used = row[0] if row else 0
            if used >= limit:
                return False
            db.execute(
                "INSERT INTO guest_chats (browser_id, day, count) VALUES (?, ?, 1) "
                "ON CONFLICT (browser_id, day) DO UPDATE SET count = count + 1",
                (browser_id, day),
            )
            return True

        return await self._run(lambda: self._transaction(work))

    async def turns(self, session_id: str) -> list[tuple[int, str, str]]:
        """Every stored turn of a session: (turn, user text, reply), oldest first."""

        def work() -> list[tuple[int, str, str]]:
            rows = self._db.execute(
                "SELECT turn, user_text, reply FROM turns WHERE session_id = ? ORDER BY turn",
                (session_id,),
            ).fetchall()
            return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

        return await self._run(work)

    def close(self) -> None:
        """Close the connection and stop the worker thread."""
        self._executor.submit(self._db.close).result()
        self._executor.shutdown(wait=True)
