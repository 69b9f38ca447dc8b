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

from ._clauses import (
    FAIL,
    NOT_APPLICABLE,
    NOT_JUDGED,
    PASS,
    SHARED_LEGEND,
    reasons,
    requests_cell,
)
from ._runner import (
    CONFORMANT,
    ERROR,
    INCONCLUSIVE,
    KNOWN_FAILURES,
    NOT_CONFORMANT,
    RunResult,
)

__all__ = ["print_summary", "progress"]

_STYLE = {PASS: "green", FAIL: "bold red", NOT_JUDGED: "yellow", NOT_APPLICABLE: "dim"}
_VERDICT = {
    CONFORMANT: "conformant",
    NOT_CONFORMANT: "NOT conformant",
    INCONCLUSIVE: "INCONCLUSIVE",
    ERROR: "ERROR (internal error of vlmspec; no verdict)",
    KNOWN_FAILURES: "no new failures (all in the baseline)",
}


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


_CONSOLE_FAILURES = 5  # per clause; the JSON report keeps every signature


def print_summary(result: RunResult, stream: TextIO | None = None) -> None:
    """The closing table of clauses, the top failures (curls uncut), and the verdict line."""
    console = _console(stream or sys.stdout)
    table = Table(title=escape(f"vlmspec conform · {result.base_url} · profile {result.profile}"))
    for column in ("clause", "verdict", "judged", "failed", "not judged", "requests", "notes"):
        numeric = column in ("judged", "failed", "not judged", "requests")
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for clause in result.clauses:
        notes = [*clause.notes, *(f"not judged: {r}" for r in reasons(clause)[:2])]
        table.add_row(
            clause.id,
            f"[{_STYLE[clause.status]}]{clause.status}[/]",
            str(clause.checks),
            str(clause.failed),
            str(sum(clause.unjudged.values())),
            requests_cell(clause),
            escape("; ".join(notes)[:200]),
        )
    if any(requests_cell(clause) != str(clause.requests) for clause in result.clauses):
        table.caption = escape(SHARED_LEGEND)
    console.print(table)
    for clause in result.clauses:
        for failure in clause.failures[:_CONSOLE_FAILURES]:
            times = f" ({failure.count} times)" if failure.count > 1 else ""
            where = " [only under concurrent requests]" if failure.concurrent_only else ""
            where += " [known: in the baseline]" if failure.known else ""
            console.print(
                f"[bold red]FAIL[/] {clause.id}: {escape(failure.message)}{times}{escape(where)}",
                soft_wrap=True,
            )
            if failure.curl:
                console.print(f"  reproduce: {failure.curl}", markup=False, soft_wrap=True)
        more = len(clause.failures) - _CONSOLE_FAILURES
        if more > 0:
            console.print(f"  …and {more} more distinct failures of {clause.id} (report.json)")
    baseline = result.extra.get("baseline")
    if isinstance(baseline, dict):
        console.print(
            f"baseline: {len(baseline['new'])} new, {len(baseline['known'])} known, "
            f"{len(baseline['fixed'])} fixed, {len(baseline['unverified'])} unverified"
        )
    if result.stopped:
        console.print(f"[yellow]{escape(result.stopped)}; clauses it cut short are not judged[/]")
    if result.interrupted:
        console.print("[yellow]interrupted (Ctrl-C): partial results, no verdict[/]")
    for error in result.internal_errors:
        console.print(f"[bold red]internal error of vlmspec[/]: {escape(error)}", soft_wrap=True)
    count = {s: sum(1 for c in result.clauses if c.status == s) for s in _STYLE}
    console.print(
        f"[bold]{_VERDICT[result.verdict]}[/]: {count[FAIL]} failed, {count[PASS]} passed, "
        f"{count[NOT_JUDGED]} not judged, {count[NOT_APPLICABLE]} n/a · "
        f"{result.requests} requests · {result.seconds:.1f}s wall · seed {result.seed}"
    )
