"""Console output: live progress (rich on a TTY, plain lines in CI) and the closing table."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._runner import RunResult

__all__ = ["print_summary", "progress"]

_STYLE = {"pass": "green", "fail": "bold red", "skip": "yellow"}


def _console(stream: TextIO) -> Console:
    plain = not stream.isatty() or bool(os.environ.get("CI")) or bool(os.environ.get("NO_COLOR"))
    return Console(
        file=stream,
        force_terminal=not plain,
        no_color=plain,
        highlight=False,
        width=None if not plain else 120,
    )


@contextmanager
def progress(stream: TextIO | None = None) -> Iterator[Callable[[str, str, int], None]]:
    """A callback for the runner's task events: a live bar on a TTY, else a line per task."""
    out = stream or sys.stderr
    console = _console(out)
    lock = threading.Lock()
    if console.is_terminal:
        bar = Progress(
            TextColumn("[bold]conform[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        handle = bar.add_task("", total=None)

        def on_event(kind: str, name: str, total: int) -> None:
            with lock:
                if kind == "done":
                    bar.update(handle, advance=1, total=total, description=name)
                else:
                    bar.update(handle, total=total, description=name)

        with bar:
            yield on_event
        return
    done = [0]

    def on_plain(kind: str, name: str, total: int) -> None:
        if kind == "done":
            with lock:
                done[0] += 1
                print(f"conform: [{done[0]}/{total}] {name} done", file=out, flush=True)

    yield on_plain


def print_summary(result: RunResult, stream: TextIO | None = None) -> None:
    """The closing table of clauses, the failures in short, and the verdict line."""
    console = _console(stream or sys.stdout)
    table = Table(title=escape(f"vlmspec conform · {result.base_url} · profile {result.profile}"))
    for column in ("clause", "verdict", "checks", "requests", "time", "notes"):
        table.add_column(
            column,
            justify="right" if column in ("checks", "requests", "time") else "left",
            overflow="fold",
        )
    for clause in result.clauses:
        table.add_row(
            clause.id,
            f"[{_STYLE[clause.status]}]{clause.status}[/]",
            str(clause.checks),
            str(clause.requests),
            f"{clause.seconds:.1f}s",
            escape("; ".join(clause.notes)[:120]),
        )
    console.print(table)
    for clause in result.clauses:
        for failure in clause.failures[:2]:
            console.print(
                f"[bold red]FAIL[/] {clause.id}: {escape(failure.message)}", soft_wrap=True
            )
            if failure.curl:
                curl = failure.curl if len(failure.curl) < 600 else failure.curl[:600] + "…"
                console.print(f"  reproduce: {curl}", markup=False, soft_wrap=True)
    if result.stopped:
        console.print(f"[yellow]{escape(result.stopped)}; clauses not reached are skipped[/]")
    verdict = "conformant" if result.conformant else "NOT conformant"
    failed = sum(1 for c in result.clauses if c.status == "fail")
    console.print(
        f"[bold]{verdict}[/]: {failed} failed, "
        f"{sum(1 for c in result.clauses if c.status == 'pass')} passed, "
        f"{sum(1 for c in result.clauses if c.status == 'skip')} skipped · "
        f"{result.requests} requests · {result.seconds:.1f}s · seed {result.seed}"
    )
