"""`vlmspec report merge`: one verdict from the JSON reports of a sharded conformance run."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._exit import EXIT_FAIL, EXIT_OK, fail

__all__ = ["report"]


@click.group()
def report() -> None:
    """Work with `vlmspec conform` reports."""


@report.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "json_out", type=click.Path(path_type=Path), metavar="OUT")
@click.option("--markdown", "markdown_out", type=click.Path(path_type=Path), metavar="OUT")
@click.option("--junit", "junit_out", type=click.Path(path_type=Path), metavar="OUT")
def merge(
    files: tuple[Path, ...],
    json_out: Path | None,
    markdown_out: Path | None,
    junit_out: Path | None,
) -> None:
    """Merge the report.json of each shard (`conform --shard K/N`) into one verdict.

    A clause fails if any shard failed it and passes when the shards together judged enough of
    it. Exit 0 conformant (or known failures only), 1 not conformant or inconclusive, 2 on
    unreadable input, 3 when a shard met an internal error.
    """
    from vlmspec.conformance import merge_reports, result_from_json, to_junit, to_markdown
    from vlmspec.conformance._report import check_writable, write_atomic

    for option, path in (
        ("--json", json_out),
        ("--markdown", markdown_out),
        ("--junit", junit_out),
    ):
        if path is not None and (problem := check_writable(path, directory=False)):
            fail(f"{option} {path}: {problem}")
    reports = [_read(path) for path in files]
    if problem := _not_one_run(files, reports):
        fail(problem)
    merged = merge_reports(reports)
    first = reports[0]
    merged |= {k: first[k] for k in ("base_url", "profile", "seed") if k in first}
    result = result_from_json(merged)
    try:
        if json_out is not None:
            write_atomic(json_out, json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
        if markdown_out is not None:
            write_atomic(markdown_out, to_markdown(result))
        if junit_out is not None:
            write_atomic(junit_out, to_junit(result))
    except OSError as exc:
        fail(f"cannot write a report: {exc}")
    counts = {s: sum(1 for c in merged["clauses"] if c["status"] == s) for s in _STATUSES}
    print(
        f"{merged['verdict']}: {len(files)} shard{'s' if len(files) != 1 else ''} · "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
        + f" · {merged['requests']} requests"
    )
    if merged.get("stopped"):
        print(f"incomplete: {merged['stopped']}")
    if merged["internal_errors"]:
        for error in merged["internal_errors"]:
            print(f"vlmspec: error: internal error in a shard: {error}", file=sys.stderr)
        raise SystemExit(3)
    raise SystemExit(
        EXIT_OK if merged["verdict"] in ("conformant", "known failures only") else EXIT_FAIL
    )


_STATUSES = ("pass", "fail", "not judged", "n/a")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"cannot read the report {path}: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("clauses"), list):
        fail(f"{path} is not a vlmspec conform report.json")
    return data


_SAME_RUN = ("base_url", "profile", "seed", "target", "auth", "deterministic")


def _not_one_run(files: tuple[Path, ...], reports: list[dict[str, Any]]) -> str | None:
    """Why ``reports`` are not the shards of one run (None: they are); merging others would
    make one verdict out of different servers, seeds or scopes."""
    first = reports[0]
    for path, report in zip(files[1:], reports[1:], strict=True):
        for key in _SAME_RUN:
            if report.get(key) != first.get(key):
                return (
                    f"{path} is not a shard of the same run as {files[0]}: {key} "
                    f"{report.get(key)!r} vs {first.get(key)!r}"
                )
    shards = [tuple(report.get("shard") or (1, 1)) for report in reports]
    if len({total for _, total in shards}) > 1:
        return "the reports split the run differently (--shard K/N with different N)"
    seen: dict[object, Path] = {}
    for path, (index, total) in zip(files, shards, strict=True):
        if index in seen:
            return f"{path} and {seen[index]} are both shard {index}/{total}"
        seen[index] = path
    return None
