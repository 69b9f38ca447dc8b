"""Fault benchmark: does `vlmspec conform --profile smoke` catch every faulty server, and plain
Schemathesis (`st run` on the vendor spec) too? Writes bench/out/faults.md and prints it.

Usage: python bench/bench_faults.py [--only NAME ...] [--no-st] [--st-max-time SECONDS]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import FAULTS, TOKEN, Verdict, conform, run_measured, running_server  # noqa: E402

VENDOR = ROOT / "spec" / "upstream" / "vlmrun-chat-completions.openapi.yaml"
OUT = ROOT / "bench" / "out" / "faults.md"
GOAL_SECONDS = 15.0
GOAL_REQUESTS = 300


@dataclass(frozen=True)
class StResult:
    failures: frozenset[str]
    seconds: float
    exit_code: int


def _st_failures(output: str) -> frozenset[str]:
    # The summary lists one "❌ <check title>: <count>" line per kind of failure.
    _, _, summary = output.partition("Failures:")
    found = re.findall(r"^\s*❌ (.+?):\s*\d+\s*$", summary, re.MULTILINE)
    return frozenset(title for title in found if not title.startswith(("Coverage", "Fuzzing")))


@dataclass(frozen=True)
class Row:
    server: str
    expected: str
    verdict: Verdict
    st: StResult | None
    st_baseline: frozenset[str] = frozenset()

    @property
    def st_new(self) -> frozenset[str]:
        """What st reported here beyond what it reports on the correct reference server."""
        return frozenset() if self.st is None else self.st.failures - self.st_baseline

    @property
    def ours_ok(self) -> bool:
        if self.expected == "(none)":
            return self.verdict.exit_code == 0
        return self.verdict.detected and self.expected in self.verdict.failed


def _st(server: list[str], max_time: float) -> StResult:
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    with running_server(server) as root:
        command = [st, "run", str(VENDOR), "--url", root, "-H", f"Authorization: Bearer {TOKEN}"]
        command += ["--max-time", str(int(max_time)), "--seed", "1", "--no-color"]
        run = run_measured(command, timeout=max_time + 120)
    return StResult(_st_failures(run.stdout), run.seconds, run.exit_code)


def _measure(name: str | None, st: bool, st_max_time: float) -> list[Row]:
    args = ["--clean"] if name is None else ["--fault", name]
    expected = "(none)" if name is None else FAULTS[name].clause
    label = "reference (--clean)" if name is None else name
    st_result = _st(args, st_max_time) if st else None
    rows = [Row(label, expected, conform(args), st_result)]
    if name is None:
        # The README figure: no --base-url, so conform starts the reference server itself.
        rows.insert(0, Row("reference (embedded)", expected, conform(None), None))
    return rows


def _yes(flag: bool) -> str:
    return "yes" if flag else "**NO**"


def _markdown(rows: list[Row]) -> str:
    head = [
        "| server | expected clause | conform verdict | failed clauses | requests | seconds "
        "| st run detected | st seconds |",
        "|---|---|---|---|---:|---:|---|---:|",
    ]
    body = []
    for row in rows:
        v = row.verdict
        verdict = {0: "conformant", 1: "NOT conformant"}.get(v.exit_code, f"exit {v.exit_code}")
        if not v.reported:
            verdict = f"**exit {v.exit_code}, no report** (crashed?)"
        elif not row.ours_ok:
            verdict = f"**{verdict}** (missed)" if row.expected != "(none)" else f"**{verdict}**"
        st_cells = ["-", "-"] if row.st is None else [_st_cell(row), f"{row.st.seconds:.1f}"]
        cells = [row.server, row.expected, verdict, ", ".join(v.failed) or "-",
                 str(v.requests if v.requests is not None else "-"), f"{v.wall_seconds:.1f}",
                 *st_cells]  # fmt: skip
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([*head, *body, "", *_goals(rows), ""])


def _st_cell(row: Row) -> str:
    assert row.st is not None
    if row.expected == "(none)":
        alarms = ", ".join(sorted(row.st.failures))
        return f"false alarm: {alarms}" if alarms else "no alarm"
    new = ", ".join(sorted(row.st_new))
    return f"yes: {new}" if new else "no (only its reference alarms)"


def _goals(rows: list[Row]) -> list[str]:
    faults = [r for r in rows if r.expected != "(none)"]
    caught = sum(r.ours_ok for r in faults)
    clean = [r for r in rows if r.expected == "(none)"]
    embedded = next((r for r in rows if r.server == "reference (embedded)"), None)
    lines = [
        f"- faults caught on their clause by `conform --profile smoke`: {caught}/{len(faults)}"
    ]
    st_rows = [r for r in faults if r.st is not None]
    if st_rows:
        st_caught = sum(bool(r.st_new) for r in st_rows)
        lines.append(
            f"- faults plain `st run` (vendor spec) flags beyond its alarms on the reference: "
            f"{st_caught}/{len(st_rows)}"
        )
    alarms = sum(r.verdict.exit_code != 0 for r in clean)
    lines.append(f"- false alarms on the reference server: {alarms} ({_yes(alarms == 0)} goal 0)")
    if embedded is not None:
        v = embedded.verdict
        ok = v.wall_seconds <= GOAL_SECONDS and (v.requests or 0) <= GOAL_REQUESTS
        lines.append(
            f"- smoke on the embedded reference (server start included): {v.wall_seconds:.1f}s, "
            f"{v.requests} requests ({_yes(ok)} goal <= {GOAL_SECONDS:g}s and <= {GOAL_REQUESTS})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(FAULTS), help="only these faults")
    parser.add_argument("--no-st", action="store_true", help="skip the `st run` comparison")
    parser.add_argument("--st-max-time", type=float, default=30, help="budget of each st run")
    args = parser.parse_args(argv)
    names: list[str | None] = [None, *(args.only or sorted(FAULTS))]
    rows: list[Row] = []
    started = time.monotonic()
    baseline: frozenset[str] = frozenset()
    for name in names:
        measured = _measure(name, not args.no_st, args.st_max_time)
        if name is None and measured[-1].st is not None:
            baseline = measured[-1].st.failures
        rows += [dataclasses.replace(row, st_baseline=baseline) for row in measured]
        print(f"bench: {rows[-1].server}: exit {rows[-1].verdict.exit_code}", file=sys.stderr)
    table = _markdown(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f"# Fault benchmark\n\n{table}\n_total {time.monotonic() - started:.0f}s_\n")
    print(table)
    return 0 if all(row.ours_ok for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
