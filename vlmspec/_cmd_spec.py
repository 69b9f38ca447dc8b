"""`vlmspec spec bundle`, `vlmspec spec validate` and `vlmspec spec update`."""

from __future__ import annotations

from pathlib import Path

import click

from vlmspec.codegen import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    Project,
    SpecError,
    build_bundle,
    fetch_spec,
    find_project,
    is_url,
    load_spec,
    write_atomic,
)

from ._exit import EXIT_FAIL, EXIT_OK, fail

__all__ = ["require_project", "spec"]


def require_project() -> Project:
    """The project around the current directory, or exit 2 saying how to make one."""
    project = find_project()
    if isinstance(project, SpecError):
        fail(project)
    if project is None:
        fail(
            "no vlmspec project here: no pyproject.toml with a [tool.vlmspec] table "
            f"in {Path.cwd()} or any parent"
        )
    return project


@click.group()
def spec() -> None:
    """Build and check the bundled spec (upstream file + overlays)."""


@spec.command()
def bundle() -> None:
    """Apply the overlays to the upstream file and write the bundle."""
    project = require_project()
    result = build_bundle(project.upstream, project.overlays, project.root)
    if isinstance(result, SpecError):
        fail(result)
    write_atomic(project.bundle, result.text)
    rel = project.bundle.relative_to(project.root)
    click.echo(f"wrote {rel} ({len(project.overlays)} overlays, sha256 {result.sha256[:12]})")


@spec.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Validate PATH (default: the project's bundle) as OpenAPI 3.x."""
    target = path if path is not None else require_project().bundle
    result = load_spec(target)
    if isinstance(result, SpecError):
        fail(result)
    click.echo(f"{target}: valid OpenAPI {result.get('openapi')}")


@spec.command()
@click.option(
    "--from",
    "source",
    metavar="URL|FILE",
    help="Where to fetch the vendor's spec (default: `source` in [tool.vlmspec]).",
)
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the change report as Markdown to this file (a pull request's body).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print what would change; write nothing but the --report file.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds for the whole fetch, redirects included.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse a published file larger than this.",
)
def update(
    source: str | None, report: Path | None, dry_run: bool, timeout: float, max_bytes: int
) -> None:
    """Fetch the vendor's spec, regenerate, and report what changed.

    The published file replaces the upstream file byte for byte; then the bundle and the
    generated code are rebuilt, and the API diff, overlay drift and changed files reported.

    Exit 0 when nothing changed, 1 when something did (the upstream file, the bundle or the
    generated code), 2 when the fetch or the published file is bad: then nothing is written.
    An upstream that the overlays no longer fit is still written (exit 1); the bundle and the
    generated code are then left as they were and the report says which action to fix.
    """
    from ._spec_update import plan_update, render_markdown, render_text, write_plan

    project = require_project()
    if source is None:
        if project.source is None:
            fail(
                "no source to update from: pass --from URL|FILE or set `source` in "
                f"[tool.vlmspec] of {project.pyproject}"
            )
        source = project.source
        if not is_url(source):
            source = str(project.root / source)
    fetched = fetch_spec(source, timeout=timeout, max_bytes=max_bytes)
    if isinstance(fetched, SpecError):
        fail(fetched)
    plan = plan_update(project, fetched)
    if isinstance(plan, SpecError):
        fail(plan)
    click.echo(render_text(plan, dry_run=dry_run), nl=False)
    try:
        if report is not None:
            write_atomic(report, render_markdown(plan))
        if not dry_run:
            write_plan(plan)
    except OSError as exc:
        fail(f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}")
    raise SystemExit(EXIT_FAIL if plan.any_change else EXIT_OK)
