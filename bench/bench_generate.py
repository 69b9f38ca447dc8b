"""Generation speed: `vlmspec generate` vs bare `datamodel-codegen` on the same input, same run.

Usage: `python bench/bench_generate.py [--repeat N] [--openai-repeat N] [--skip-openai]`;
prints a markdown table. Goals: this project's spec fully regenerated in-process in <= 1.5 s;
ours <= 1.2x bare `datamodel-codegen` in its fastest configuration (models only,
`--formatters ruff-format`) on the same input, in the same run.

The two CLIs run alternately (ours, bare, ours, bare, ...) so load from other jobs falls on
both alike; besides wall time, each row gives the CPU time (user + sys, children included) and
the load average, since on a shared machine the wall time moves with the load.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vlmspec.codegen import (
    SpecError,
    build_bundle,
    find_project,
    load_document,
    render_package,
    write_all_atomic,
)

ROOT = Path(__file__).resolve().parent.parent
OPENAI_GZ = ROOT / "tests" / "golden" / "openai-openapi.yaml.gz"


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def regenerate_project(out: Path) -> None:
    """What `vlmspec generate` does, in-process: bundle, render everything, write."""
    project = find_project(ROOT)
    assert project is not None and not isinstance(project, SpecError)
    bundle = build_bundle(project.upstream, project.overlays, project.root)
    assert not isinstance(bundle, SpecError), bundle
    files = render_package(
        bundle.document, source="spec/openapi.yaml", sha256=bundle.sha256, out=out, package="x"
    )
    assert not isinstance(files, SpecError), files
    write_all_atomic({out / "openapi.yaml": bundle.text, **files})


def generate_spec(spec: Path, out: Path) -> None:
    """`vlmspec generate --spec` in-process, minus the CLI: load, render, write."""
    document = load_document(spec)
    assert not isinstance(document, SpecError), document
    digest = hashlib.sha256(spec.read_bytes()).hexdigest()
    files = render_package(document, source=spec.name, sha256=digest, out=out, package="x")
    assert not isinstance(files, SpecError), files
    write_all_atomic(files)


def cli(*args: str) -> Callable[[], object]:
    def run() -> None:
        subprocess.run(args, check=True, capture_output=True)

    return run


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def alternate(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Wall and CPU seconds of ``first`` and ``second`` (subprocesses), run alternately."""
    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for index, action in enumerate((first, second)):
            cpu, start = _children_cpu(), time.perf_counter()
            action()
            walls[index].append(time.perf_counter() - start)
            cpus[index].append(_children_cpu() - cpu)
    return walls[0], cpus[0], walls[1], cpus[1]


def bare(spec: Path, out: Path) -> Callable[[], object]:
    exe = str(Path(sys.executable).with_name("datamodel-codegen"))
    return cli(
        exe,
        *("--input", str(spec), "--input-file-type", "openapi", "--output", str(out)),
        *("--formatters", "ruff-format"),  # its fastest formatter, as fair a baseline as any
    )


def row(
    name: str,
    ours_in: list[float],
    ours: tuple[list[float], list[float]],
    theirs: tuple[list[float], list[float]],
    load: tuple[float, float],
) -> str:
    med = statistics.median
    cells = [f"{med(ours_in):.2f} s"]
    for wall, cpu in (ours, theirs):
        cells.append(f"{med(wall):.2f} s ({med(cpu):.2f} s CPU)")
    ratio = med(ours[0]) / med(theirs[0])
    cpu_ratio = med(ours[1]) / med(theirs[1])
    runs = f"{len(ours[0])}+{len(theirs[0])}"
    cells += [f"{ratio:.2f}x", f"{cpu_ratio:.2f}x", runs, f"{load[0]:.1f}-{load[1]:.1f}"]
    return f"| {name} | {' | '.join(cells)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median shown)")
    parser.add_argument("--openai-repeat", type=int, default=3, help="runs on OpenAI's spec")
    parser.add_argument("--skip-openai", action="store_true", help="only this project's spec")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    vlmspec = [sys.executable, "-m", "vlmspec", "generate"]
    try:
        cold = timed(lambda: regenerate_project(scratch / "cold"), 1)[0]
        warm = timed(lambda: regenerate_project(scratch / "warm"), options.repeat)
        bundle = ROOT / "spec" / "openapi.yaml"
        load = os.getloadavg()[0]
        ours_wall, ours_cpu, bare_wall, bare_cpu = alternate(
            cli(*vlmspec, "--spec", str(bundle), "--out", str(scratch / "c")),
            bare(bundle, scratch / "bare.py"),
            options.repeat,
        )
        loads = (load, os.getloadavg()[0])
        name = "this project (spec/openapi.yaml)"
        rows = [row(name, warm, (ours_wall, ours_cpu), (bare_wall, bare_cpu), loads)]
        if not options.skip_openai:
            openai = scratch / "openai-openapi.yaml"
            openai.write_bytes(gzip.decompress(OPENAI_GZ.read_bytes()))
            repeat = options.openai_repeat
            ours_in = timed(lambda: generate_spec(openai, scratch / "oi"), repeat)
            load = os.getloadavg()[0]
            ours_wall, ours_cpu, bare_wall, bare_cpu = alternate(
                cli(*vlmspec, "--spec", str(openai), "--out", str(scratch / "oc")),
                bare(openai, scratch / "obare.py"),
                repeat,
            )
            loads = (load, os.getloadavg()[0])
            name = "OpenAI (1,422 schemas)"
            rows.append(row(name, ours_in, (ours_wall, ours_cpu), (bare_wall, bare_cpu), loads))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"Full in-process regeneration of this project: {statistics.median(warm):.2f} s warm")
    print(f"(median of {options.repeat}), {cold:.2f} s cold incl. imports; goal <= 1.5 s.\n")
    print(
        "| input | ours in-process | ours CLI | bare datamodel-codegen CLI | wall ratio "
        "| CPU ratio | runs | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\nOurs = spec validation + models + server + client + ruff; bare = models only,")
    print("`--formatters ruff-format`. Medians; ratio goal <= 1.2x (wall).")


if __name__ == "__main__":
    main()
