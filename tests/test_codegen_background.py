"""`Background`: a call in a forked child, or inline where forking is not safe; same results."""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from vlmspec.codegen import SpecError, load_spec, render_package
from vlmspec.codegen import _background as background
from vlmspec.codegen._background import Background, can_fork, fork_is_safe, in_child

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "corpus" / "keywords-31.yaml"  # a webhook: a report line
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")


@pytest.fixture(params=[True, False], ids=["forked", "inline"])
def forking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both paths, whatever this process looks like (pytest may run threads)."""
    if request.param and sys.platform != "linux":
        pytest.skip("forks only on Linux")
    monkeypatch.setattr(background, "can_fork", lambda: request.param)
    return bool(request.param)


def _pid() -> int:
    return os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _die_in_child(parent: int) -> str:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return "computed here"


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def test_runs_in_a_child_only_when_forking(forking: bool) -> None:
    with Background(_pid) as job:
        ran_in = job.result()
    assert (ran_in != os.getpid()) is forking


def test_the_call_knows_where_it_runs(forking: bool) -> None:
    with Background(in_child) as job:
        assert job.result() is forking
    assert not in_child()


def test_exception_is_raised_by_result(forking: bool) -> None:
    with Background(_fail, "no such schema") as job, pytest.raises(ValueError, match="no such"):
        job.result()


def test_result_is_kept(forking: bool) -> None:
    with Background(_pid) as job:
        assert job.result() == job.result()


@linux_only
def test_killed_child_means_the_call_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "can_fork", lambda: True)
    with Background(_die_in_child, os.getpid()) as job:
        assert job.result() == "computed here"


@linux_only
def test_leaving_the_block_kills_a_running_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "can_fork", lambda: True)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), Background(_sleep, 60.0) as job:
        pid = job._pid
        assert pid != 0
        raise KeyboardInterrupt  # what Ctrl-C or the --timeout alarm does to the caller
    assert time.monotonic() - start < 30
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)


def test_no_fork_beside_another_thread() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


@linux_only
def test_no_fork_when_every_cpu_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    cpus = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (cpus + 0.5, 0.0, 0.0))
    assert not can_fork()
    assert fork_is_safe()  # what a large models run asks for (Background.deferred's busy_ok)
    monkeypatch.setattr(os, "getloadavg", lambda: (cpus - 0.5, 9.0, 9.0))
    assert can_fork()


def _render(report: list[str]) -> dict[Path, str]:
    document = load_spec(FIXTURE)
    assert not isinstance(document, SpecError), document
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    files = render_package(
        document, source="f", sha256=digest, out=Path("out"), package="p", report=report.append
    )
    assert not isinstance(files, SpecError), files
    return files


def test_render_package_is_the_same_forked_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """Server and client rendered beside the models: same files and report lines as inline."""
    rendered: dict[bool, Any] = {}
    for fork in ([True] if sys.platform == "linux" else []) + [False]:
        monkeypatch.setattr(background, "can_fork", lambda fork=fork: fork)
        report: list[str] = []
        rendered[fork] = (_render(report), report)
    assert rendered[False][0], "nothing rendered"
    assert rendered[False][1], "the fixture has an operation or webhook to report"
    assert rendered.get(True, rendered[False]) == rendered[False]
