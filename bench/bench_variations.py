"""Second-set benchmark (issue #8.7): legitimate variations a correct suite must pass and
independently written faults it must catch (or call "not judged"), for `vlmspec conform
--profile smoke` and, side by side, plain `st run` on the vendor's own spec file.
Writes bench/out/variations.md and prints it.

Usage: python bench/bench_variations.py [--only NAME ...] [--no-st] [--st-max-time SECONDS]
                                        [--jobs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_faults import StResult, _st  # noqa: E402

from tests.servers._judge import (  # noqa: E402
    Judgement,
    expected_text,
    judge,
    outcome,
    second_set_args,
    supports,
)
from tests.servers.variations import NEW_FAULTS, VARIATIONS, Target  # noqa: E402

OUT = ROOT / "bench" / "out" / "variations.md"


@dataclass(frozen=True)
class Row:
    name: str
    kind: str  # "variation" or "fault"
    target: Target
    judgement: Judgement | None  # None: the engine has no --target
    st: StResult | None

    @property
    def ours(self) -> str:
        if self.judgement is None:
            return "not run (no --target on this engine)"
        return outcome(self.name, self.judgement, self.target)


def _st_outcome(row: Row, baseline: frozenset[str]) -> str:
    if row.st is None:
        return "-"
    new = sorted(row.st.failures - baseline)
    if row.kind == "variation":
        return f"false alarm: {', '.join(new)}" if new else "no alarm"
    return f"detected: {', '.join(new)}" if new else "missed"


def _status(judgement: Judgement, clause: str, status: str) -> str:
    messages = judgement.messages.get(clause) or [""]
    first = messages[0].replace("|", "\\|").replace("\n", " ")[:90]
    return f"{clause}={status}" + (f" ({first})" if first else "")


def _cells(row: Row, baseline: frozenset[str]) -> list[str]:
    j = row.judgement
    target = "" if row.target == "vlmrun" else f" (--target {row.target})"
    kind = "fault, legal here" if row.name in NEW_FAULTS and row.target != "vlmrun" else row.kind
    if j is None:
        return [row.name + target, kind, expected_text(row.name, row.target), row.ours,
                "-", "-", "-", _st_outcome(row, baseline)]  # fmt: skip
    statuses = ", ".join(_status(j, c, s) for c, s in j.statuses.items() if s != "pass")
    ours = row.ours if row.ours == "right" else f"**{row.ours}**"
    return [row.name + target, kind, expected_text(row.name, row.target),
            f"{ours} (exit {j.exit_code})", statuses or "all pass",
            str(j.requests if j.requests is not None else "-"), f"{j.wall_seconds:.1f}",
            _st_outcome(row, baseline)]  # fmt: skip


def _summary(rows: list[Row], baseline: frozenset[str]) -> list[str]:
    variations = [r for r in rows if r.kind == "variation" and r.judgement is not None]
    faults = [r for r in rows if r.kind == "fault" and r.judgement is not None]
    judged = [r for r in faults if NEW_FAULTS[r.name].expect == "fail"]
    unjudgeable = [r for r in faults if NEW_FAULTS[r.name].expect == "not-judged"]
    alarms = sum(r.ours != "right" for r in variations)
    detected = sum(r.ours == "right" for r in judged)
    elsewhere = sum(r.ours == "wrong clause" for r in judged)
    not_judged = sum(r.ours == "right" for r in unjudgeable)
    false_passes = sum(r.ours == "false pass" for r in unjudgeable)
    st_v = [r.st for r in variations if r.st is not None]
    st_f = [r.st for r in judged if r.st is not None]
    st_u = [r.st for r in unjudgeable if r.st is not None]
    st_alarms = sum(bool(st.failures - baseline) for st in st_v)
    st_detected = sum(bool(st.failures - baseline) for st in st_f)
    st_flagged = sum(bool(st.failures - baseline) for st in st_u)
    more = f" (+{elsewhere} on another clause)" if elsewhere else ""
    missed = sum(r.ours == "missed" for r in judged)
    rows_out = [
        ("faults detected on their clause", f"{detected} / {len(judged)}{more}",
         f"{st_detected} / {len(st_f)}"),
        ("faults missed (judged conformant)", str(missed), str(len(st_f) - st_detected)),
        ("unjudgeable replies called not judged",
         f"{not_judged} / {len(unjudgeable)} (false passes: {false_passes})",
         f"no such verdict ({st_flagged} / {len(st_u)} flagged)"),
        ("false alarms on legitimate variations", f"{alarms} / {len(variations)}",
         f"{st_alarms} / {len(st_v)}"),
    ]  # fmt: skip
    lines = [
        "| | `vlmspec conform --profile smoke` | plain `st run` on the vendor file |",
        "|---|---|---|",
    ]
    for label, ours, theirs in rows_out:
        lines.append(f"| {label} | {ours} | {theirs if st_v or st_f else '-'} |")
    return lines


def _markdown(rows: list[Row], baseline: frozenset[str]) -> str:
    head = [
        "| server | kind | correct verdict | conform (today) | clauses not passed | requests "
        "| seconds | st run |",
        "|---|---|---|---|---|---:|---:|---|",
    ]
    body = ["| " + " | ".join(_cells(row, baseline)) + " |" for row in rows]
    alarms = ", ".join(sorted(baseline)) or "none"
    return "\n".join(
        [*_summary(rows, baseline), "", *head, *body, "",
         f"st run's own alarms on the unmodified reference server (subtracted): {alarms}", ""]
    )  # fmt: skip


def _measure(name: str, target: Target, st: bool, st_max_time: float) -> Row:
    kind = "variation" if name in VARIATIONS else "fault"
    run_ours = target == "vlmrun" or supports("--target")
    judgement = judge(name, target=target) if run_ours else None
    st_result = _st(second_set_args(name), st_max_time) if st and target == "vlmrun" else None
    return Row(name, kind, target, judgement, st_result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    names = [*VARIATIONS, *NEW_FAULTS]
    parser.add_argument("--only", nargs="*", choices=names, help="only these servers")
    parser.add_argument("--no-st", action="store_true", help="skip the `st run` comparison")
    parser.add_argument("--st-max-time", type=float, default=30, help="budget of each st run")
    parser.add_argument("--jobs", type=int, default=1, help="servers judged at once")
    args = parser.parse_args(argv)
    started = time.monotonic()
    baseline = frozenset[str]()
    if not args.no_st:
        baseline = _st(["--clean"], args.st_max_time).failures
    cases: list[tuple[str, Target]] = [(n, "vlmrun") for n in args.only or names]
    cases += [(n, "openai") for n, _ in cases if n in NEW_FAULTS and NEW_FAULTS[n].legit_under]

    def measure(case: tuple[str, Target]) -> Row:
        row = _measure(*case, not args.no_st, args.st_max_time)
        print(f"bench: {case[0]} ({case[1]}): {row.ours}", file=sys.stderr, flush=True)
        return row

    # every measurement is a pair of subprocesses: threads only wait on them
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(measure, cases))
    table = _markdown(rows, baseline)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    took = time.monotonic() - started
    title = "# Second-set benchmark (variations and new faults)"
    OUT.write_text(f"{title}\n\n{table}\n_total {took:.0f}s_\n")
    print(table)
    return 0 if all(row.ours == "right" for row in rows if row.judgement is not None) else 1


if __name__ == "__main__":
    raise SystemExit(main())
