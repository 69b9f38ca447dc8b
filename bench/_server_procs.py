"""Start, watch and stop the servers under test (loopback only)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"


class BenchError(Exception):
    """A condition that stops the bench with a one-line message."""


@dataclass
class Server:
    """A running server process and the root URL it answers on."""

    name: str
    proc: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mb(self) -> float:
        """Resident memory of the server and its descendants, in MiB."""
        return sum(_vm_rss_kib(pid) for pid in _process_tree(self.pid)) / 1024


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running(
    name: str, argv: Sequence[str], port: int, log_path: Path, *, ready_timeout: float = 60.0
) -> Iterator[Server]:
    """Run `argv` (which must bind `port` on 127.0.0.1) until the block ends."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        # A session of its own so the whole tree (e.g. node children) can be signalled at once.
        proc = subprocess.Popen(
            list(argv), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, proc, f"http://{HOST}:{port}", log_path)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        _stop(proc)


def _wait_ready(server: Server, timeout: float) -> None:
    """Poll GET /v1/health until it answers 200, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    url = f"{server.base_url}/v1/health"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            tail = _tail(server.log_path)
            raise BenchError(
                f"{server.name} exited with code {server.proc.returncode} before it was ready"
                f" (log {server.log_path}): {tail}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"{server.name} did not answer GET {url} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


def _process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, read from /proc."""
    tree = [pid]
    index = 0
    while index < len(tree):
        current = tree[index]
        index += 1
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                tree.extend(int(c) for c in (task / "children").read_text().split())
    return tree


def _vm_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
