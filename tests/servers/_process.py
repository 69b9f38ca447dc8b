"""Start test servers and `vlmspec conform` as subprocesses, and measure the latter."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["ROOT", "TOKEN", "RunResult", "run_measured", "running_server"]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "vlmspec-test-key"
_READY = "listening on http://"


@contextlib.contextmanager
def running_server(args: Sequence[str], startup_timeout: float = 30) -> Iterator[str]:
    """Run ``python -m tests.servers ARGS`` (with the test token); yield its root URL."""
    command = [sys.executable, "-m", "tests.servers", *args, "--api-key", TOKEN]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,
        )
        try:
            yield _wait_ready(process, errors, startup_timeout)
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[str], errors: IO[bytes], timeout: float) -> str:
    assert process.stdout is not None
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if _READY in line and not found:
                found.append(line.strip().split(_READY, 1)[1])
        # keep draining so the server never blocks on a full pipe

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not found:
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"test server {process.args!r} did not start:\n{tail}")
        time.sleep(0.02)
    return f"http://{found[0]}"


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class RunResult:
    """How one command ended."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    timed_out: bool


# A child's ru_maxrss also counts the memory of the process that exec'ed it at exec time, so a
# conform started straight from a grown pytest worker would report the worker's size. A small
# launcher in between execs first (its own peak is then the worker's, which is not measured);
# the conform it starts inherits only the launcher's few MB, so its peak is its own.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command: Sequence[str], timeout: float) -> RunResult:
    """Run ``command``; its exit code, output, wall time and peak RSS (killed after ``timeout``)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = Path(scratch) / "maxrss"
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(peak_file), *command],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            process.wait()
        finally:
            timer.cancel()
        seconds = time.monotonic() - started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # leftovers of the run, if any
        peak_kib = int(peak_file.read_text()) if peak_file.exists() else 0
        out.seek(0)
        err.seek(0)
        return RunResult(
            exit_code=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            seconds=seconds,
            peak_rss_mb=peak_kib / 1024,
            timed_out=timed_out.is_set(),
        )
