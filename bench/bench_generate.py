"""Generation speed: `vlmspec generate` vs bare `datamodel-codegen` on the same input, same run.

Usage: `python bench/bench_generate.py [--repeat N] [--skip-openai]`; prints a markdown table.
Goals: this project's spec fully regenerated in-process in <= 1.5 s; ours <= 1.2x bare
`datamodel-codegen` in its fastest configuration (models only, `--formatters ruff-format`) on
the same input, in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
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


def bare(spec: Path, out: Path) -> Callable[[], object]:
    exe = str(Path(sys.executable).with_name("datamodel-codegen"))
    return cli(
        exe,
        *("--input", str(spec), "--input-file-type", "openapi", "--output", str(out)),
        *("--formatters", "ruff-format"),  # its fastest formatter, as fair a baseline as any
    )


def row(name: str, ours_in: list[float], ours_cli: list[float], theirs: list[float]) -> str:
    med = statistics.median
    ratio = med(ours_cli) / med(theirs)
    cells = [f"{med(ours_in):.2f} s", f"{med(ours_cli):.2f} s", f"{med(theirs):.2f} s"]
    return f"| {name} | {' | '.join(cells)} | {ratio:.2f}x |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median shown)")
    parser.add_argument("--skip-openai", action="store_true", help="only this project's spec")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    vlmspec = [sys.executable, "-m", "vlmspec", "generate"]
    try:
        cold = timed(lambda: regenerate_project(scratch / "cold"), 1)[0]
        warm = timed(lambda: regenerate_project(scratch / "warm"), options.repeat)
        bundle = ROOT / "spec" / "openapi.yaml"
        ours_cli = timed(
            cli(*vlmspec, "--spec", str(bundle), "--out", str(scratch / "c")), options.repeat
        )
        theirs = timed(bare(bundle, scratch / "bare.py"), options.repeat)
        rows = [row("this project (spec/openapi.yaml)", warm, ours_cli, theirs)]
        if not options.skip_openai:
            openai = scratch / "openai-openapi.yaml"
            openai.write_bytes(gzip.decompress(OPENAI_GZ.read_bytes()))
            ours_in = timed(lambda: generate_spec(openai, scratch / "oi"), 1)
            ours_cli = timed(cli(*vlmspec, "--spec", str(openai), "--out", str(scratch / "oc")), 1)
            theirs = timed(bare(openai, scratch / "obare.py"), 1)
            rows.append(row("OpenAI (1,422 schemas)", ours_in, ours_cli, theirs))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"Full in-process regeneration of this project: {statistics.median(warm):.2f} s warm")
    print(f"(median of {options.repeat}), {cold:.2f} s cold incl. imports; goal <= 1.5 s.\n")
    print("| input | ours in-process | ours CLI | bare datamodel-codegen CLI | CLI ratio |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print("\nOurs = spec validation + models + server + client + ruff; bare = models only,")
    print("`--formatters ruff-format`. Ratio goal <= 1.2x.")


if __name__ == "__main__":
    main()
