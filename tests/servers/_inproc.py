"""Serve a faulty or varied reference server from a thread of the test process.

`python -m tests.servers` costs a fresh interpreter, its imports and the app's construction on
every test (about half a second of CPU and a second of wall time, ~100 times a run); the
verdict tests judge the `vlmspec conform` subprocess, not how the server was started, so they
serve the same app (`__main__.app_for`, same uvicorn settings) in a thread instead. Hostile
servers keep their own process: some never stop writing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence

from .__main__ import app_for, bound_socket, parser, uvicorn_server
from ._process import TOKEN, running_server

__all__ = ["serving"]


@contextlib.contextmanager
def serving(args: Sequence[str], startup_timeout: float = 30) -> Iterator[str]:
    """Like `running_server(args)` (the same arguments, the test token); yield the root URL."""
    parsed = parser().parse_args([*args, "--api-key", TOKEN])
    if parsed.hostile or parsed.list:
        with running_server(args) as root:
            yield root
        return
    sock = bound_socket(parsed)
    app = app_for(parsed)
    server = uvicorn_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    try:
        while not server.started:  # uvicorn offers no callback; its own startup is ~10 ms here
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"test server {list(args)!r} did not start")
            time.sleep(0.01)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        _close_cpu_pools(app)


def _close_cpu_pools(app: object) -> None:
    """Kill the reference server's CPU worker processes: they die with a server process, but a
    thread's would outlive the test (one set per test, a few hundred MB by the end)."""
    closed = 0
    layer: object | None = app
    while layer is not None:  # the fault and pacing middlewares keep the app they wrap in .app
        service = getattr(getattr(layer, "state", None), "refserver", None)
        if service is not None:
            service.pool.close()
            closed += 1
        layer = getattr(layer, "app", None)
    assert closed, f"no reference server found inside {app!r}"
