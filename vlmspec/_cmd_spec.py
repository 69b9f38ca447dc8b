"""`vlmspec spec bundle` and `vlmspec spec validate`."""

from __future__ import annotations

from pathlib import Path

import click

from vlmspec.codegen import Project, SpecError, build_bundle, find_project, load_spec, write_atomic

from ._exit import fail

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
