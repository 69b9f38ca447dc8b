"""Starting the reference server as a real subprocess for the refserver tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

READY = re.compile(r"vlmspec serve: listening on (http://\S+)")


class RunningServer:
    """A `vlmspec serve` child process on a free loopback port (in-memory store unless `db`)."""

    def __init__(
        self, api_keys: Sequence[str] = (), db: Path | None = None, extra: Sequence[str] = ()
    ) -> None:
        # VLMSPEC_SERVER_PYTHON: a client SDK's own virtualenv need not hold the server's deps.
        python = os.environ.get("VLMSPEC_SERVER_PYTHON") or sys.executable
        command = [python, "-m", "vlmspec", "serve", "--port", "0"]
        for key in api_keys:
            command += ["--api-key", key]
        command += ["--db", ":memory:" if db is None else str(db), *extra]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tempfile.gettempdir(),  # the installed package must not depend on the cwd
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.banner: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.banner.append(line.rstrip("\n"))
            match = READY.search(line)
            if match:
                self.root = match.group(1)
                break
        else:
            raise RuntimeError(
                f"server did not start: {self.process.stderr.read() if self.process.stderr else ''}"
            )
        # Keep draining so a chatty child can never block on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.stderr: list[str] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    @property
    def openai_base(self) -> str:
        """What a user hands the OpenAI SDK."""
        return f"{self.root}/v1/openai"

    def stop(self) -> int:
        """Terminate gracefully; return the exit code."""
        self.process.terminate()
        return self.process.wait(timeout=20)

    def kill(self) -> None:
        """SIGKILL, no cleanup at all."""
        self.process.kill()
        self.process.wait(timeout=20)


@contextmanager
def serving(api_keys: Sequence[str] = (), extra: Sequence[str] = ()) -> Iterator[RunningServer]:
    """A server for the length of a ``with`` block (a module fixture's body); must stop cleanly."""
    running = RunningServer(api_keys=api_keys, extra=extra)
    try:
        yield running
    finally:
        assert running.stop() == 0
