"""One function call run in a forked child while this process goes on with other work.

Generating from OpenAI's spec, datamodel-code-generator keeps one core busy for seconds while
the spec validator and the server and client templates, which need only the loaded document,
would wait their turn; a forked child gets the document for free (copy-on-write) and hands
back a small picklable result. The child never collects cyclic garbage (it exits instead), so
the models generator runs in one: its collections cost 0.3-0.4 s on OpenAI's spec.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, ParamSpec, TypeVar

__all__ = ["Background", "can_fork", "fork_is_safe", "in_child"]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_MISSING = object()
_in_child = False


def in_child() -> bool:
    """Whether this code runs in a `Background` child (not inline, not in the parent)."""
    return _in_child


def can_fork() -> bool:
    """Whether forking helps and is safe here.

    Linux only (macOS's system libraries are not fork-safe, Windows has no fork); no other
    thread, whose locks the child would inherit held; and a CPU to spare: with every CPU busy
    the child only competes with its parent, and the pages they share are copied as the parent
    writes to them (2 CPUs at load average 3: median wall time the same, 11.06 vs 11.13 s over
    4 runs each, and 0.13 s more system time, when the child rendered server and client).
    """
    # The load average counts this process too: busy processes, it included, at most the CPUs.
    return fork_is_safe() and os.getloadavg()[0] <= len(os.sched_getaffinity(0))


def fork_is_safe() -> bool:
    """`can_fork` but for the load: for a child whose savings outweigh the competition."""
    return sys.platform == "linux" and threading.active_count() == 1


class Background(Generic[_T]):
    """``fn(*args)`` started in a forked child; `result` waits for it and returns its value.

    Without a fork (see `can_fork`) the call runs at once, in this process, so the caller sees
    the same order of effects either way. If the child dies without a result (killed), `result`
    runs the call here. Use as a context manager: leaving the block (an error, a timeout) kills
    a child still running.
    """

    def __init__(
        self,
        fn: Callable[_P, _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> None:
        self._start(lambda: fn(*args, **kwargs), deferred=False)

    @classmethod
    def deferred(
        cls,
        busy_ok: bool,
        fn: Callable[_P, _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Background[_T]:
        """Like ``Background(fn, *args)``, but without a fork the call runs in `result`, not at
        once: what the caller does before `result` sees the arguments as they were, either way.
        ``busy_ok``: fork even with every CPU busy, if it is safe (`fork_is_safe`).
        """
        job = cls.__new__(cls)
        job._start(lambda: fn(*args, **kwargs), deferred=True, busy_ok=busy_ok)
        return job

    @property
    def forked(self) -> bool:
        """Whether the call runs (or ran) in a child, beside this process."""
        return self._forked

    def _start(self, call: Callable[[], _T], *, deferred: bool, busy_ok: bool = False) -> None:
        self._call = call
        self._value: object = _MISSING
        self._pid = 0
        self._pipe = -1
        self._forked = can_fork() or (busy_ok and fork_is_safe())
        if not self._forked:
            if not deferred:
                self._value = self._run()
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            global _in_child
            _in_child = True
            # A collection would traverse the whole inherited heap, copying every page it
            # touches; the child is short-lived, its garbage goes when it exits.
            gc.disable()
            os.close(read)
            self._child(write)
        os.close(write)
        self._pid, self._pipe = pid, read

    def _run(self) -> object:
        try:
            return self._call()
        except Exception as exc:  # raised by `result`, wherever the call ran
            return _Raised(exc)

    def _child(self, write: int) -> None:
        code = 1
        try:
            payload = pickle.dumps(self._run(), protocol=pickle.HIGHEST_PROTOCOL)
            with open(write, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)  # no atexit handlers, no flushing of buffers copied from the parent

    def result(self) -> _T:
        """The call's value (or its exception, raised here)."""
        if self._value is _MISSING:
            self._value = self._collect()
        value = self._value
        if isinstance(value, _Raised):
            raise value.exc
        return value  # type: ignore[return-value]

    def _collect(self) -> object:
        if not self._forked:  # deferred
            return self._run()
        with open(self._pipe, "rb") as pipe:
            payload = pipe.read()
        self._pipe = -1
        os.waitpid(self._pid, 0)
        self._pid = 0
        try:
            return pickle.loads(payload)
        except Exception:  # no or partial payload (the child was killed): do the work here
            return self._run()

    def cancel(self) -> None:
        """Kill the child if it is still running; the result is then never collected."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1

    def __enter__(self) -> Background[_T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cancel()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
