"""Fault benchmark: does `vlmspec conform --profile smoke` catch every faulty server, and plain
Schemathesis (`st run` on the vendor spec) too? Writes bench/out/faults.md and prints it.

Usage: python bench/bench_faults.py [--only NAME ...] [--no-st] [--st-max-time SECONDS]
"""

from __future__ import annotations

import argparse
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
    detected: bool
    seconds: float
    exit_code: int


@dataclass(frozen=True)
class Row:
    server: str
    expected: str
    verdict: Verdict
    st: StResult | None

    @property
    def ours_ok(self) -> bool:
        if self.expected == "(none)":
            return self.verdict.exit_code == 0
        return self.verdict.detected and self.expected in self.verdict.failed


def _st(server: list[str], max_time: float) -> StResult:
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    with running_server(server) as root:
        command = [st, "run", str(VENDOR), "--url", root, "-H", f"Authorization: Bearer {TOKEN}"]
        command += ["--max-time", str(int(max_time)), "--no-color"]
        run = run_measured(command, timeout=max_time + 120)
    return StResult(detected=run.exit_code != 0, seconds=run.seconds, exit_code=run.exit_code)


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
        return "false alarm" if row.st.detected else "no alarm"
    return "yes" if row.st.detected else "no"


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
        st_caught = sum(r.st is not None and r.st.detected for r in st_rows)
        lines.append(
            f"- faults flagged by plain `st run` on the vendor spec: {st_caught}/{len(st_rows)}"
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
    for name in names:
        rows += _measure(name, not args.no_st, args.st_max_time)
        print(f"bench: {rows[-1].server}: exit {rows[-1].verdict.exit_code}", file=sys.stderr)
    table = _markdown(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f"# Fault benchmark\n\n{table}\n_total {time.monotonic() - started:.0f}s_\n")
    print(table)
    return 0 if all(row.ours_ok for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
