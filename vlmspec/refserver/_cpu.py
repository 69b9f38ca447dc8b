"""CPU-heavy work in child processes with a deadline: a runaway job is killed, never waited out.

A thread would not do: a regex or a parse holds the GIL for its whole run, freezing the event
loop with it. A child process can be killed, and the event loop only awaits its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

__all__ = ["CpuPool", "Overrun"]

_T = TypeVar("_T")


class Overrun(Exception):
    """The job did not finish within the deadline (its process was killed)."""


_START_TIMEOUT = 60.0  # a cold start on a loaded machine; not part of any job's deadline


def _serve_jobs(conn: Connection, preload: tuple[str, ...]) -> None:
    for module in preload:
        importlib.import_module(module)
    conn.send("ready")
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        try:
            conn.send((True, fn(*args)))
        except Exception as exc:
            conn.send((False, f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, preload: tuple[str, ...]) -> None:
        self._preload = preload
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        # spawn, not fork: the server has threads (the database writer), and fork copies locks.
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve_jobs, args=(child, self._preload), name="refserver-cpu", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        try:
            started = parent.poll(_START_TIMEOUT) and parent.recv() == "ready"
        except (OSError, EOFError):
            started = False
        if not started:
            self.kill()
            raise Overrun("the worker process did not start")
        return parent

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], deadline: float) -> Any:
        conn = self._conn if self._process is not None and self._process.is_alive() else None
        conn = conn or self._start()
        try:
            conn.send((fn, args))
            ready = conn.poll(deadline)
        except (OSError, EOFError):
            ready = False
        if not ready:
            self.kill()
            raise Overrun(f"no answer within {deadline:g} s")
        try:
            ok, value = conn.recv()
        except (OSError, EOFError):
            self.kill()
            raise Overrun("the worker process died") from None
        if not ok:
            raise RuntimeError(value)
        return value

    def kill(self) -> None:
        # Called by the waiting thread on overrun and by shutdown, possibly at the same time.
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None:
            with contextlib.suppress(Exception):
                process.kill()
                process.join(5)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()


def _settle(job: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if job.done():
        return
    if error is not None:
        job.set_exception(error)
    else:
        job.set_result(result)


def _release(job: asyncio.Future[Any], idle: asyncio.Queue[_Worker], worker: _Worker) -> None:
    idle.put_nowait(worker)
    if not job.cancelled():
        job.exception()  # retrieved: an abandoned job's error is not logged as unhandled


class CpuPool:
    """``size`` worker processes, started on first use; each job gets ``deadline`` seconds.

    ``preload`` modules are imported when a worker starts, so their import is not charged to
    the first job's deadline.
    """

    def __init__(self, size: int = 2, deadline: float = 5.0, preload: tuple[str, ...] = ()) -> None:
        self.deadline = deadline
        self._workers = [_Worker(preload) for _ in range(size)]
        self._idle: asyncio.Queue[_Worker] | None = None

    async def run(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` in a worker process; raise Overrun past the deadline."""
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        idle = self._idle
        worker = await idle.get()
        loop = asyncio.get_running_loop()
        job: asyncio.Future[_T] = loop.create_future()
        # The worker is free again only when its job ends, even if the request was cancelled.
        job.add_done_callback(lambda done: _release(done, idle, worker))

        def wait() -> None:
            outcome: tuple[Any, BaseException | None]
            try:
                outcome = (worker.call(fn, args, self.deadline), None)
            except BaseException as exc:
                outcome = (None, exc)
            with contextlib.suppress(RuntimeError):  # a closed loop: the server is stopping
                loop.call_soon_threadsafe(_settle, job, *outcome)

        # A daemon thread, not an executor: shutdown must never wait for a runaway job.
        threading.Thread(target=wait, name="refserver-cpu-wait", daemon=True).start()
        return await asyncio.shield(job)

    def close(self) -> None:
        """Kill every worker process."""
        for worker in self._workers:
            worker.kill()
