"""SQLite persistence for session turns, scoped to their owner and bounded, off the event loop.

Durability: WAL journal with ``synchronous=FULL`` fsyncs the WAL on every commit, and a turn is
committed before its response is sent, so an acknowledged turn survives ``kill -9`` (and power
loss). All statements run on one connection in one worker thread, which serializes writers, so
turn numbers of a session are assigned atomically under concurrent requests.

Bounds: a session holds at most ``max_turns`` turns, an owner at most ``max_sessions`` sessions
(the least recently used one is dropped for a new one), a turn keeps only what replies quote
(``USER_TEXT_CHARS`` of the user's text, ``REPLY_CHARS`` of the reply), and sessions untouched
for ``retention_days`` are deleted.
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

__all__ = ["REPLY_CHARS", "USER_TEXT_CHARS", "SessionFull", "Store"]

_T = TypeVar("_T")

USER_TEXT_CHARS = 512
"""Stored characters of a user's text (whitespace collapsed): replies quote at most 160."""
REPLY_CHARS = 2048
"""Stored characters of a reply."""
_DAY = 86_400.0
_EXPIRE_EVERY = 3_600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    owner TEXT NOT NULL,
    session_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    user_text TEXT NOT NULL,
    reply TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (owner, session_id, turn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    owner TEXT NOT NULL,
    session_id TEXT NOT NULL,
    turns INTEGER NOT NULL,
    first_user_text TEXT NOT NULL,
    last_user_text TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (owner, session_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions (updated);
CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions (owner, updated);
"""


class SessionFull(Exception):
    """The session already holds the most turns a session may hold."""

    def __init__(self, max_turns: int) -> None:
        super().__init__(f"this session is full ({max_turns} turns); start a new session_id")
        self.message = str(self)


def _stored_user_text(text: str) -> str:
    return " ".join(text[: USER_TEXT_CHARS * 64].split())[:USER_TEXT_CHARS]


class Store:
    """One SQLite database (a file, or private memory when *path* is None)."""

    def __init__(
        self,
        path: str | Path | None,
        *,
        max_turns: int = 500,
        max_sessions: int = 200,
        retention_days: float = 30,
    ) -> None:
        self.path = ":memory:" if path is None else str(path)
        self.max_turns = max_turns
        self.max_sessions = max_sessions
        self.retention = retention_days * _DAY
        self._expired_at = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refserver-db")
        self._db: sqlite3.Connection = self._executor.submit(self._open).result()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        columns = {row[1] for row in db.execute("PRAGMA table_info(turns)")}
        if columns and "owner" not in columns:
            # Turns stored before sessions had owners cannot be attributed to anyone: dropped.
            db.executescript("DROP TABLE turns; DROP TABLE IF EXISTS guest_chats;")
        db.executescript(_SCHEMA)
        self._expire(db, time.time())
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

    def _expire(self, db: sqlite3.Connection, now: float) -> None:
        self._expired_at = now
        cutoff = now - self.retention
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "DELETE FROM turns WHERE (owner, session_id) IN "
            "(SELECT owner, session_id FROM sessions WHERE updated < ?)",
            (cutoff,),
        )
        db.execute("DELETE FROM sessions WHERE updated < ?", (cutoff,))
        db.execute("COMMIT")

    def _drop_oldest_beyond(self, db: sqlite3.Connection, owner: str, keep: int) -> None:
        stale = db.execute(
            "SELECT session_id FROM sessions WHERE owner = ? ORDER BY updated DESC LIMIT -1 "
            "OFFSET ?",
            (owner, keep),
        ).fetchall()
        for (session_id,) in stale:
            db.execute("DELETE FROM turns WHERE owner = ? AND session_id = ?", (owner, session_id))
            db.execute(
                "DELETE FROM sessions WHERE owner = ? AND session_id = ?", (owner, session_id)
            )

    async def append_turn(
        self,
        owner: str,
        session_id: str,
        user_text: str,
        build: Callable[[Prior], _T],
        reply_of: Callable[[_T], str],
    ) -> _T:
        """Build this turn from the owner's session and commit it; return what *build* made."""
        stored_text = _stored_user_text(user_text)

        def work(db: sqlite3.Connection) -> _T:
            now = time.time()
            row = db.execute(
                "SELECT turns, first_user_text, last_user_text FROM sessions "
                "WHERE owner = ? AND session_id = ?",
                (owner, session_id),
            ).fetchone()
            prior = Prior()
            if row is not None:
                if row[0] >= self.max_turns:
                    raise SessionFull(self.max_turns)
                prior = Prior(turns=row[0], first_user_text=row[1], previous_user_text=row[2])
            else:
                self._drop_oldest_beyond(db, owner, self.max_sessions - 1)
            made = build(prior)
            turn = prior.turns + 1
            db.execute(
                "INSERT INTO turns (owner, session_id, turn, user_text, reply, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (owner, session_id, turn, stored_text, reply_of(made)[:REPLY_CHARS], now),
            )
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, 1, ?, ?, ?) "
                "ON CONFLICT (owner, session_id) DO UPDATE SET turns = excluded.turns + "
                "sessions.turns, last_user_text = excluded.last_user_text, "
                "updated = excluded.updated",
                (owner, session_id, stored_text, stored_text, now),
            )
            return made

        def run() -> _T:
            if time.time() - self._expired_at > _EXPIRE_EVERY:
                self._expire(self._db, time.time())
            return self._transaction(work)

        return await self._run(run)

    async def turns(self, owner: str, session_id: str) -> list[tuple[int, str, str]]:
        """Every stored turn of an owner's session: (turn, user text, reply), oldest first."""

        def work() -> list[tuple[int, str, str]]:
            rows = self._db.execute(
                "SELECT turn, user_text, reply FROM turns WHERE owner = ? AND session_id = ? "
                "ORDER BY turn",
                (owner, session_id),
            ).fetchall()
            return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

        return await self._run(work)

    async def expire(self, now: float | None = None) -> None:
        """Delete sessions untouched for longer than the retention period."""
        await self._run(lambda: self._expire(self._db, time.time() if now is None else now))

    def close(self) -> None:
        """Close the connection and stop the worker thread."""
        self._executor.submit(self._db.close).result()
        self._executor.shutdown(wait=True)
