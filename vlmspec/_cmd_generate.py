"""`vlmspec generate` and `vlmspec check`: render everything, then write it or compare it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from vlmspec.codegen import (
    Document,
    Project,
    SpecError,
    build_bundle,
    find_project,
    load_document,
    render_package,
    validate_document,
    write_all_atomic,
)

from ._cmd_spec import require_project
from ._exit import EXIT_FAIL, fail

__all__ = ["check", "generate"]

# The header validate_document gives findings of openapi-spec-validator (vs. structural ones).
_INVALID = "invalid OpenAPI document"


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _render(project: Project | None, spec: Path | None, out: Path | None) -> dict[Path, str]:
    """Every file `generate` would write, rendered in memory; exits 2 on any error.

    Without ``spec`` the project's upstream + overlays are re-bundled first and the bundle
    is one of the files.
    """
    root = project.root if project is not None else Path.cwd()
    target = out if out is not None else project.output  # type: ignore[union-attr]
    files: dict[Path, str] = {}
    if spec is None:
        assert project is not None  # callers pass a project or a spec
        bundle = build_bundle(project.upstream, project.overlays, project.root)
        if isinstance(bundle, SpecError):
            fail(bundle)
        document, digest, source = bundle.document, bundle.sha256, project.bundle
        files[project.bundle] = bundle.text
    else:
        loaded = _load_any_spec(spec)
        document, digest, source = loaded, hashlib.sha256(spec.read_bytes()).hexdigest(), spec
    package = target.resolve().name
    if project is not None and target.resolve() == project.output.resolve():
        package = project.package
    rendered = render_package(
        document, source=_display(source, root), sha256=digest, out=target, package=package
    )
    if isinstance(rendered, SpecError):
        fail(rendered)
    return files | rendered


def _load_any_spec(spec: Path) -> Document:
    """A `--spec` file: it must parse, be OpenAPI 3.x and resolve its $refs; other findings of
    the validator (third-party specs often have some) are a warning, not a stop."""
    document = load_document(spec)
    if isinstance(document, SpecError):
        fail(document)
    problem = validate_document(document, str(spec))
    if problem is not None:
        if problem.header != _INVALID:
            fail(problem)
        click.echo(f"vlmspec: warning: {problem.one_line()} (generating anyway)", err=True)
    return document


@click.command()
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="OpenAPI file to generate from (default: re-bundle the project's upstream + overlays).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write models.py, server.py, client.py into (default: the project's output).",
)
def generate(spec_path: Path | None, out: Path | None) -> None:
    """Regenerate the bundle, models, server stubs and client; write only what changed.

    Everything is rendered before anything is written: on an error (exit 2) no file changes.
    """
    project = find_project() if spec_path is not None and out is not None else require_project()
    if isinstance(project, SpecError):
        fail(project)
    files = _render(project, spec_path, out)
    root = project.root if project is not None else Path.cwd()
    try:
        written = write_all_atomic(files)
    except OSError as exc:
        fail(f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}")
    names = ", ".join(_display(path, root) for path in written)
    click.echo(f"wrote {len(written)} file(s): {names}" if written else "up to date")


@click.command()
def check() -> None:
    """Exit 1 naming every stale file if the bundle or generated code is not what
    upstream + overlays produce now; exit 0 when all are current."""
    project = require_project()
    stale = []
    for path, expected in sorted(_render(project, None, None).items()):
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != expected:
            stale.append(_display(path, project.root))
    if stale:
        for name in stale:
            click.echo(f"stale: {name}")
        click.echo(f"vlmspec check: {len(stale)} stale file(s); run `vlmspec generate`", err=True)
        raise SystemExit(EXIT_FAIL)
    click.echo("up to date")
