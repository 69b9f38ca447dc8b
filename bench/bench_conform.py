"""Conformance speed: `vlmspec conform` smoke against the embedded reference server, and the
CPU cost of generating cases (Schemathesis coverage/positive/negative, our Hypothesis strategies).

Usage: `python bench/bench_conform.py [--repeat N]`; prints a markdown table.
Goals: smoke <= 15 s wall including the server's start, <= 300 requests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vlmspec.codegen import spec_for_testing

ROOT = Path(__file__).resolve().parent.parent


def smoke(repeat: int) -> list[str]:
    walls, requests = [], set()
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "vlmspec", "conform", "--report-dir", out],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            walls.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"conform exited {done.returncode}: {done.stderr[-500:]}")
            requests.add(json.loads((Path(out) / "report.json").read_text())["requests"])
    return [
        f"| smoke, embedded server (wall, median of {repeat}) | {statistics.median(walls):.2f} s "
        f"| <= 15 s |",
        f"| smoke requests | {', '.join(map(str, sorted(requests)))} | <= 300 |",
    ]


def generation() -> list[str]:
    from vlmspec import conformance
    from vlmspec.conformance._fuzz import generate_cases
    from vlmspec.conformance._strategies import conversations, draw, object_schemas

    path = spec_for_testing()
    if not isinstance(path, Path):
        raise SystemExit(path.one_line())
    spec = conformance.load_spec(path)
    generate_cases(spec, "positive", 1, 99)  # warm-up: schema loading, imports
    rows = []
    for kind, count in (("coverage", 40), ("positive", 50), ("negative", 20)):
        start = time.process_time()
        generate_cases(spec, kind, count, 1)
        per = (time.process_time() - start) / count
        rows.append(f"| Schemathesis {kind}: CPU per case | {per * 1000:.0f} ms | |")
    for name, strategy in (
        ("object schemas", object_schemas()),
        ("conversations", conversations()),
    ):
        start = time.process_time()
        draw(strategy, 100, 1)
        per = (time.process_time() - start) / 100
        rows.append(f"| Hypothesis {name}: CPU per case | {per * 1000:.1f} ms | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = ["| measure | value | goal |", "|---|---:|---|"]
    rows += smoke(args.repeat) + generation()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
