"""Sample a running server with py-spy and rank its hot spots by file and line."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from _server_procs import BenchError

# A raw (collapsed) py-spy frame: "function (path/to/file.py:123)".
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+):(?P<line>\d+)\)$")


@dataclass(frozen=True)
class HotSpot:
    """One frame's share of the samples."""

    where: str
    func: str
    self_pct: float
    total_pct: float


def py_spy_path() -> str:
    path = shutil.which("py-spy")
    if path is None:
        raise BenchError("py-spy not found; `pip install py-spy` (bench/install_tools.sh does)")
    return path


def record(pid: int, seconds: int, out_path: Path) -> subprocess.Popen[bytes]:
    """Start py-spy sampling `pid` for `seconds`, writing collapsed stacks to `out_path`.

    Only samples holding the GIL count: a single-worker server's Python time is what it spends
    there, and idle pool threads are left out.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [py_spy_path(), "record", "--format", "raw", "--rate", "250", "--gil", "--duration"]
    argv += [str(seconds), "--pid", str(pid), "--output", str(out_path)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for a `record` process; a failure becomes a BenchError."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise BenchError("py-spy did not finish in time") from exc
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise BenchError(f"py-spy failed: {lines[-1] if lines else proc.returncode}")


def hot_spots(raw_path: Path, root: Path, *, top: int = 15) -> tuple[int, list[HotSpot]]:
    """Total samples and the `top` frames by self time (ties broken by inclusive time)."""
    stacks = _stacks(raw_path, root)
    samples = sum(count for _, count in stacks)
    own: Counter[_Frame] = Counter()
    inclusive: Counter[_Frame] = Counter()
    for frames, count in stacks:
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    ranked = sorted(own, key=lambda f: (own[f], inclusive[f]), reverse=True)[:top]
    return samples, [_spot(f, own[f], inclusive[f], samples) for f in ranked]


def our_hot_spots(raw_path: Path, root: Path, *, top: int = 10) -> list[HotSpot]:
    """Frames of this repository's own code (not its venv) ranked by inclusive time."""
    stacks = _stacks(raw_path, root)
    samples = sum(count for _, count in stacks)
    own: Counter[_Frame] = Counter()
    inclusive: Counter[_Frame] = Counter()
    for frames, count in stacks:
        if frames[-1].ours:
            own[frames[-1]] += count
        for frame in {f for f in frames if f.ours}:
            inclusive[frame] += count
    # Frames on (nearly) every stack are the entry point (CLI, uvicorn.run), not hot spots.
    entry = {f for f, n in inclusive.items() if n >= 0.99 * samples}
    ranked = sorted(inclusive.keys() - entry, key=lambda f: (inclusive[f], own[f]), reverse=True)
    return [_spot(f, own[f], inclusive[f], samples) for f in ranked[:top]]


@dataclass(frozen=True)
class _Frame:
    where: str
    func: str
    ours: bool


def _spot(frame: _Frame, own: int, inclusive: int, samples: int) -> HotSpot:
    total = max(samples, 1)
    return HotSpot(frame.where, frame.func, 100 * own / total, 100 * inclusive / total)


def _stacks(raw_path: Path, root: Path) -> list[tuple[list[_Frame], int]]:
    """Each collapsed stack (outermost frame first) with its sample count."""
    stacks: list[tuple[list[_Frame], int]] = []
    for line in raw_path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [f for f in (_frame(t, root) for t in stack.split(";")) if f is not None]
        if frames:
            stacks.append((frames, int(count_text)))
    return stacks


def _frame(text: str, root: Path) -> _Frame | None:
    match = _FRAME.match(text.strip())
    if match is None:
        return None
    # py-spy shortens paths relative to sys.path; long ones are stripped to the same form.
    file = re.sub(r"^.*/site-packages/", "", match["file"])
    file = file.removeprefix(f"{root}/")
    top = file.split("/", 1)[0]
    ours = "/" in file and (root / top / "__init__.py").is_file()
    return _Frame(f"{file}:{match['line']}", match["func"], ours)
