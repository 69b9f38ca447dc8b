"""`vlmspec diff OLD NEW`: breaking-change report between two OpenAPI documents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from vlmspec.codegen import (
    DIFF_FORMATS,
    DiffFormat,
    SpecError,
    diff_documents,
    load_for_diff,
    render_changes,
)
from vlmspec.codegen._diff import apply_accepted, load_accepted

from ._exit import EXIT_FAIL, EXIT_OK, fail

__all__ = ["diff"]


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIFF_FORMATS),
    default="text",
    show_default=True,
    help="text for people, markdown for a CI step summary, json for machines.",
)
@click.option(
    "--fail-on",
    type=click.Choice(("breaking", "never")),
    default="breaking",
    show_default=True,
    help="breaking: exit 1 on any breaking change not accepted; never: report only, exit 0.",
)
@click.option(
    "--accept",
    "accept_file",
    type=click.Path(path_type=Path),
    help="YAML/JSON list of deliberate breaking changes (rule, operation, [part], [path]): "
    "shown as accepted, they do not fail. Entries matching nothing are warned about.",
)
def diff(old: Path, new: Path, fmt: str, fail_on: str, accept_file: Path | None) -> None:
    """Classify every change from OLD to NEW as breaking or safe.

    Exit 0 when no breaking change is left unaccepted (or with --fail-on never), 1 when one is,
    2 on unreadable input or a bad accepted-changes file.
    """
    accepted = load_accepted(accept_file) if accept_file is not None else []
    if isinstance(accepted, SpecError):
        fail(accepted)
    documents = []
    for path in (old, new):
        document = load_for_diff(path)
        if isinstance(document, SpecError):
            fail(document)
        documents.append(document)
    changes, stale = apply_accepted(diff_documents(documents[0], documents[1]), accepted)
    for entry in stale:
        # A permission nobody uses any more should be removed before it hides a new change.
        print(
            f"vlmspec: warning: {accept_file}: {entry.describe()} matches no change",
            file=sys.stderr,
        )
    text = render_changes(
        changes, cast(DiffFormat, fmt), str(old), str(new), [e.describe() for e in stale]
    )
    click.echo(text, nl=False)
    breaking = any(change.status == "breaking" for change in changes)
    raise SystemExit(EXIT_FAIL if breaking and fail_on == "breaking" else EXIT_OK)
