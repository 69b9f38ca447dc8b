"""`vlmspec diff OLD NEW`: breaking-change report between two OpenAPI documents."""

from __future__ import annotations

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
def diff(old: Path, new: Path, fmt: str) -> None:
    """Classify every change from OLD to NEW as breaking or safe.

    Exit 1 when anything breaks existing clients, 0 otherwise, 2 on unreadable input.
    """
    documents = []
    for path in (old, new):
        document = load_for_diff(path)
        if isinstance(document, SpecError):
            fail(document)
        documents.append(document)
    changes = diff_documents(documents[0], documents[1])
    click.echo(render_changes(changes, cast(DiffFormat, fmt), str(old), str(new)), nl=False)
    breaking = any(change.severity == "breaking" for change in changes)
    raise SystemExit(EXIT_FAIL if breaking else EXIT_OK)
