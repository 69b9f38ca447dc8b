"""`vlmspec generate` and `vlmspec check`: render everything, then write it or compare it."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from vlmspec.codegen import (
    Document,
    Project,
    SpecError,
    build_bundle,
    find_project,
    json_keys,
    load_document,
    render_package,
    validate_document,
    write_all_atomic,
)
from vlmspec.codegen._gc import gc_paused

from ._cmd_spec import require_project
from ._exit import EXIT_FAIL, fail

__all__ = ["check", "generate"]

# The header validate_document gives findings of openapi-spec-validator (vs. structural ones).
_INVALID = "invalid OpenAPI document"
# Bounds for `--spec` inputs: OpenAI's 3 MB spec takes ~15 s; a 50 MB one once ran 15 min at
# 5.8 GB before it was killed. Past these, exit 2 with a message naming the option to raise.
_MAX_MB = 32.0
_TIMEOUT_S = 600.0
_WARNING_CHARS = 400
_PROGRESS_BYTES = 1 << 20  # announce inputs over 1 MiB: they take seconds, not milliseconds


class _TimedOut(BaseException):
    """Not an Exception: the generators' `except Exception` (a shape they cannot handle, reported
    as a SpecError) must not catch it, wherever the alarm interrupts them."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise _TimedOut in the main thread after ``seconds`` (Unix; elsewhere no bound)."""
    main_thread = threading.current_thread() is threading.main_thread()
    if seconds <= 0 or not hasattr(signal, "SIGALRM") or not main_thread:  # signals: main only
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _render(
    project: Project | None,
    spec: Path | None,
    out: Path | None,
    *,
    max_mb: float = _MAX_MB,
    timeout: float = _TIMEOUT_S,
) -> dict[Path, str]:
    """Every file `generate` would write, rendered in memory; exits 2 on any error.

    Without ``spec`` the project's upstream + overlays are re-bundled first and the bundle
    is one of the files.
    """
    try:
        with _deadline(timeout):
            return _render_unbounded(project, spec, out, max_mb)
    except _TimedOut:
        fail(f"generation took over {timeout:g} s; raise --timeout to allow more")
    except RecursionError:
        fail(f"{spec or 'the spec'}: nested too deeply to generate (recursion limit)")
    except MemoryError:
        fail(f"{spec or 'the spec'}: out of memory while generating")


def _render_unbounded(
    project: Project | None, spec: Path | None, out: Path | None, max_mb: float
) -> dict[Path, str]:
    root = project.root if project is not None else Path.cwd()
    target = out if out is not None else project.output  # type: ignore[union-attr]
    files: dict[Path, str] = {}
    found: list[SpecError | None] = []  # the validator's verdict on a `--spec` file
    validate: Callable[[], None] | None = None
    if spec is None:
        assert project is not None  # callers pass a project or a spec
        bundle = build_bundle(project.upstream, project.overlays, project.root)
        if isinstance(bundle, SpecError):
            fail(bundle)
        document, digest, source = bundle.document, bundle.sha256, project.bundle
        files[project.bundle] = bundle.text
    else:
        _check_size(spec, max_mb)
        loaded = _load_any_spec(spec)
        document, digest, source = loaded, hashlib.sha256(spec.read_bytes()).hexdigest(), spec

        # Past the checks _load_any_spec made, the validator can only warn: it runs while the
        # models generator does (beside its forked child, when there is one), not before it.
        def validate_spec() -> None:
            found.append(validate_document(loaded, str(spec)))

        validate = validate_spec
        if spec.stat().st_size > _PROGRESS_BYTES:
            _progress(spec, document)
    package = target.resolve().name
    service = None
    if project is not None and target.resolve() == project.output.resolve():
        package, service = project.package, project.service
    rendered = render_package(
        document,
        source=_display(source, root),
        sha256=digest,
        out=target,
        package=package,
        service_name=service,
        report=lambda line: click.echo(f"vlmspec: {line}", err=True),
        beside=validate,
    )
    if found and (problem := found[0]) is not None:
        if problem.header != _INVALID:
            fail(problem)
        line = problem.one_line()
        if len(line) > _WARNING_CHARS:  # the validator quotes whole schemas before its reason
            half = _WARNING_CHARS // 2
            line = f"{line[:half]} … {line[-half:]}"
        click.echo(f"vlmspec: warning: {line} (generating anyway)", err=True)
    if isinstance(rendered, SpecError):
        fail(rendered)
    return files | rendered


def _check_size(spec: Path, max_mb: float) -> None:
    try:
        size = spec.stat().st_size
    except OSError as exc:
        fail(f"{spec}: cannot read file: {exc.strerror or exc}")
    if max_mb > 0 and size > max_mb * (1 << 20):
        fail(f"{spec}: {size / (1 << 20):.1f} MiB is over the {max_mb:g} MiB limit; raise --max-mb")


def _progress(spec: Path, document: Document) -> None:
    schemas = (document.get("components") or {}).get("schemas") or {}
    paths = document.get("paths") or {}
    size = spec.stat().st_size / (1 << 20)
    click.echo(
        f"vlmspec: generating from {spec.name} ({size:.1f} MiB, {len(schemas):,} schemas, "
        f"{len(paths):,} paths); large specs take a while",
        err=True,
    )


def _load_any_spec(spec: Path) -> Document:
    """A `--spec` file: it must parse, be OpenAPI 3.x and resolve its $refs; other findings of
    the validator (third-party specs often have some) are a warning, not a stop."""
    loaded = load_document(spec)
    if isinstance(loaded, SpecError):
        fail(loaded)
    with gc_paused():  # a copy of the whole document: see codegen/_gc.py
        document: Document = json_keys(loaded)  # `200:` unquoted is a status code, not an integer
    problem = validate_document(document, str(spec), full=False)
    if problem is not None:
        fail(problem)
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
@click.option(
    "--force",
    is_flag=True,
    help="Replace files vlmspec did not write (hand-written code in --out), or, with --spec and "
    "no --out, the project's generated package.",
)
@click.option(
    "--max-mb",
    type=float,
    default=_MAX_MB,
    show_default=True,
    help="Refuse a --spec file larger than this many MiB (0: no limit).",
)
@click.option(
    "--timeout",
    type=float,
    default=_TIMEOUT_S,
    show_default=True,
    help="Give up (exit 2) after this many seconds (0: no limit).",
)
def generate(
    spec_path: Path | None, out: Path | None, force: bool, max_mb: float, timeout: float
) -> None:
    """Regenerate the bundle, models, server stubs and client; write only what changed.

    Everything is rendered before anything is written: on an error (exit 2) no file changes.
    """
    project = find_project() if spec_path is not None else require_project()
    if isinstance(project, SpecError):
        fail(project)
    if spec_path is not None and out is None and project is None:
        fail(f"no vlmspec project here to write into; pass --out DIR to generate from {spec_path}")
    replaces = project is not None and (out is None or out.resolve() == project.output.resolve())
    if spec_path is not None and replaces and not force:
        # The project's package is what `vlmspec check` compares with its own spec; replacing it
        # with another spec's code (by omission, or by naming it as --out) would break it.
        assert project is not None
        where = _display(project.output, project.root)
        fail(
            f"refusing to replace {where} with code from {spec_path}; pass another --out DIR, "
            "or --force"
        )
    files = _render(project, spec_path, out, max_mb=max_mb, timeout=timeout)
    if not force and (foreign := _not_ours(files)):
        fail(f"refusing to overwrite {foreign}: vlmspec did not write it (--force replaces it)")
    root = project.root if project is not None else Path.cwd()
    try:
        written = write_all_atomic(files)
    except OSError as exc:
        fail(f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}")
    names = ", ".join(_display(path, root) for path in written)
    click.echo(f"wrote {len(written)} file(s): {names}" if written else "up to date")


def _not_ours(files: dict[Path, str]) -> Path | None:
    """A file about to be replaced that does not carry a vlmspec header (hand-written code)."""
    for path, text in files.items():
        if not path.is_file() or not text.startswith(_HEADER):
            continue  # new files, and the bundle (YAML, no header), are never someone's code
        with contextlib.suppress(OSError, UnicodeDecodeError), path.open(encoding="utf-8") as f:
            if not f.readline().startswith(_HEADER):
                return path
    return None


_HEADER = "# generated by vlmspec"


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
