"""`vlmspec conform`: judge a server against the bundled spec."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from vlmspec.codegen import SpecError, spec_for_testing

from ._exit import EXIT_FAIL, EXIT_INTERNAL, EXIT_OK, fail

if TYPE_CHECKING:
    from vlmspec.conformance import Baseline, Options, RunResult, Target
    from vlmspec.conformance._gateway import Connection

# Where the base URL and token come from when not given: ours first, then the OpenAI SDK's.
_BASE_URL_ENV = ("VLMRUN_BASE_URL", "OPENAI_BASE_URL")
_TOKEN_ENV = ("VLMRUN_API_KEY", "OPENAI_API_KEY")

__all__ = ["conform"]

_EPILOG = """\b
Examples:
  vlmspec conform                              # embedded reference server
  vlmspec conform --base-url http://127.0.0.1:8000/v1/openai --token "$VLMRUN_API_KEY"
  vlmspec conform --base-url https://api.vlm.run/v1/openai --profile ci --junit junit.xml
  vlmspec conform --base-url https://gw.example/v1/openai --header X-Gateway-Key:abc \\
      --proxy http://proxy:3128 --ca-bundle corp-ca.pem
\b
--base-url is what you hand the OpenAI SDK ({base}/chat/completions is the chat
route); `vlmspec serve` answers at http://HOST:PORT/v1/openai. Before the run a
preflight (1-3 small requests) stops with exit 2 on a wrong base URL (naming one
that answers) or a rejected token.
\b
Exit codes: 0 conformant; 1 not conformant (a clause failed) or inconclusive (an
in-scope clause not judged; 0 with --allow-incomplete); 2 usage, configuration or
unreachable server; 3 internal error of vlmspec (every report says so); 130 interrupted
(partial reports written, marked incomplete). Reports (report.json, report.md) go to
--report-dir; the Markdown report is also appended to $GITHUB_STEP_SUMMARY when set.
"""
_EXIT_INTERRUPTED = 130


def _shard(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        fail(f"--shard {value!r} must be K/N with 1 <= K <= N (e.g. 2/4)")
    return int(match[1]), int(match[2])


@click.command(epilog=_EPILOG)
@click.option(
    "--base-url",
    metavar="URL",
    envvar=list(_BASE_URL_ENV),
    help="The server's OpenAI-SDK base URL, e.g. https://api.vlm.run/v1/openai "
    "(env: VLMRUN_BASE_URL, then OPENAI_BASE_URL). Default: start the reference server "
    "on a free loopback port.",
)
@click.option(
    "--token",
    metavar="T",
    envvar=list(_TOKEN_ENV),
    help="Bearer token (env: VLMRUN_API_KEY, then OPENAI_API_KEY; never printed; reports "
    "show $VLMRUN_API_KEY). Without one the server is tested as a guest.",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="K:V",
    help="Send this header with every request (repeatable; values of secret-looking names "
    "such as Authorization, X-Api-Key, Cookie are never printed).",
)
@click.option("--proxy", metavar="URL", help="Send requests through this http(s) proxy.")
@click.option(
    "--ca-bundle",
    metavar="PATH",
    help="Trust the CA certificates in this PEM file (e.g. a corporate gateway's).",
)
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")
@click.option(
    "--profile",
    type=click.Choice(["smoke", "ci", "deep"]),
    default="smoke",
    show_default=True,
    help="How much to test.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    metavar="N",
    help="Hard cap on requests (default per profile: 300 / 3000 / 30000).",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    metavar="R",
    help="At most R requests per second.",
)
@click.option("--model", metavar="NAME", help="Send `model: NAME` in every generated request.")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of generated cases; failures name it for replay.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Concurrent requests.",
)
@click.option(
    "--shard",
    metavar="K/N",
    default="1/1",
    show_default=True,
    help="Run the K-th of N deterministic slices (merge the JSON reports).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds allowed per request, streams included.",
)
@click.option(
    "--clause", "clauses", multiple=True, metavar="ID", help="Only these clauses (repeatable)."
)
@click.option(
    "--deterministic/--no-deterministic",
    default=None,
    help="Whether the target's replies are deterministic (compare streams with "
    "non-stream replies). Default: on for the embedded server, off otherwise.",
)
@click.option(
    "--max-time",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Stop the whole run after SECONDS (verdict inconclusive, naming it). "
    "Default per profile: 120 / 900 / 3600.",
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Exit 0 on an inconclusive verdict (a clause not judged: budget, max time, "
    "unjudgeable replies); the reports still say inconclusive.",
)
@click.option(
    "--target",
    "target_kind",
    type=click.Choice(["vlmrun", "openai"]),
    default="vlmrun",
    show_default=True,
    help="What the server claims: the VLM Run API (extensions, skills, sessions, health), or "
    "only OpenAI's Chat Completions contract (400 + OpenAI error body accepted for invalid "
    "input; VLM Run clauses not applicable).",
)
@click.option(
    "--no-auth",
    is_flag=True,
    help="The server has no authentication: auth clauses are not applicable.",
)
@click.option(
    "--exclude-clause",
    "excluded",
    multiple=True,
    metavar="ID",
    help="Leave clause ID out of the verdict (repeatable; reported as n/a).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Accepted failures (by signature): exit 0 when every failure is known; reports show "
    "new / known / fixed.",
)
@click.option(
    "--baseline-update",
    is_flag=True,
    help="Write this run's failure signatures to --baseline FILE (after the run).",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path),  # checked by _check_outputs: one line, exit 2
    metavar="DIR",
    help="Write report.json and report.md here.",
)
@click.option(
    "--junit",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write a JUnit XML report.",
)
def conform(
    base_url: str | None,
    token: str | None,
    headers: tuple[str, ...],
    proxy: str | None,
    ca_bundle: str | None,
    insecure: bool,
    profile: str,
    max_requests: int | None,
    rate_limit: float | None,
    model: str | None,
    seed: int,
    workers: int,
    shard: str,
    timeout: float,
    clauses: tuple[str, ...],
    deterministic: bool | None,
    max_time: float | None,
    allow_incomplete: bool,
    target_kind: str,
    no_auth: bool,
    excluded: tuple[str, ...],
    baseline: Path | None,
    baseline_update: bool,
    report_dir: Path | None,
    junit: Path | None,
) -> None:
    """Test a server against the spec, clause by clause: targeted probes, seeded Hypothesis
    property cases (any n, random conversations, random JSON Schemas, long sessions) and
    Schemathesis examples/coverage/fuzzing with positive and negative data."""
    from vlmspec import conformance
    from vlmspec.conformance._console import print_summary, progress
    from vlmspec.conformance._gateway import Connection, parse_headers

    known = [clause.id for clause in conformance.CLAUSES]
    unknown = [c for c in (*clauses, *excluded) if c not in known]
    if unknown:
        fail(f"unknown clause {', '.join(unknown)}; known: {', '.join(known)}")
    if baseline_update and baseline is None:
        fail("--baseline-update needs --baseline FILE")
    _check_outputs(report_dir, junit, baseline if baseline_update else None)
    accepted = _load_baseline(baseline) if baseline is not None and not baseline_update else None
    options = conformance.Options(
        profile=profile,
        seed=seed,
        max_requests=max_requests,
        rate_limit=rate_limit,
        workers=workers,
        shard=_shard(shard),
        timeout=timeout,
        deterministic=deterministic,
        clauses=clauses,
        model=model,
        max_time=max_time,
        target=target_kind,
        auth=not no_auth,
        exclude=excluded,
    )
    if ca_bundle and insecure:
        fail("--ca-bundle and --insecure contradict each other: use one")
    if token and any(h.partition(":")[0].strip().lower() == "authorization" for h in headers):
        fail("--token and an Authorization --header contradict each other: use one")
    try:
        connection = Connection(
            headers=parse_headers(headers), proxy=proxy, ca_bundle=ca_bundle, insecure=insecure
        )
        connection.check()
    except conformance.ConfigError as exc:
        fail(str(exc))
    if base_url is not None:
        _announce(base_url, token, authorization_header="authorization" in connection.headers)
    loaded: list[conformance.Spec] = []

    def load() -> None:
        # Runs while the embedded server starts: the spec, then case generation in the background.
        spec_path = spec_for_testing()
        if isinstance(spec_path, SpecError):
            fail(spec_path)
        try:
            loaded.append(conformance.load_spec(spec_path))
        except ValueError as exc:
            fail(str(exc))
        conformance.prepare(loaded[0], options)

    result: RunResult | None = None
    try:
        with (
            _target(base_url, token, load, connection, options) as target,
            progress() as on_event,
        ):
            result = conformance.run(loaded[0], target, options, on_event=on_event)
        if accepted is not None:
            conformance.apply_baseline(result, accepted)
        print_summary(result)
    except conformance.ConfigError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        # Ctrl-C outside the run's own handling (e.g. while the server starts): nothing to report.
        print("vlmspec: interrupted", file=sys.stderr)
        raise SystemExit(_EXIT_INTERRUPTED) from None
    except Exception as exc:  # a bug of ours: the reports must say error, never green
        if os.environ.get("VLMSPEC_DEBUG"):
            raise
        error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        result = _error_result(result, base_url, options, error)
    _write_reports(result, report_dir, junit)
    if baseline_update and baseline is not None:
        _write_or_fail(baseline, conformance.baseline_of(result))
    raise SystemExit(_exit_code(result, allow_incomplete))


def _exit_code(result: RunResult, allow_incomplete: bool) -> int:
    for error in result.internal_errors:
        print(f"vlmspec: error: internal error (a bug in vlmspec): {error}", file=sys.stderr)
    if result.internal_errors:
        return EXIT_INTERNAL
    if result.interrupted:
        print("vlmspec: interrupted; the reports are partial", file=sys.stderr)
        return _EXIT_INTERRUPTED
    if result.verdict == "inconclusive" and allow_incomplete:
        print("vlmspec: inconclusive verdict accepted (--allow-incomplete)", file=sys.stderr)
        return EXIT_OK
    return EXIT_OK if result.verdict in ("conformant", "known failures only") else EXIT_FAIL


def _error_result(
    partial: RunResult | None, base_url: str | None, options: Options, error: str
) -> RunResult:
    from vlmspec.conformance import RunResult

    if partial is not None:
        partial.internal_errors.append(error)
        return partial
    return RunResult(
        base_url=base_url or "(embedded reference server)",
        profile=options.profile,
        seed=options.seed,
        shard=options.shard,
        clauses=[],
        requests=0,
        seconds=0.0,
        internal_errors=[error],
    )


def _check_outputs(report_dir: Path | None, junit: Path | None, baseline: Path | None) -> None:
    """Every output path must be writable before the run starts (exit 2, one line)."""
    from vlmspec.conformance._report import check_writable

    for option, path, directory in (
        ("--report-dir", report_dir, True),
        ("--junit", junit, False),
        ("--baseline", baseline, False),
    ):
        if path is not None and (problem := check_writable(path, directory=directory)):
            fail(f"{option} {path}: {problem}")
    summary = _step_summary()
    if summary is not None:
        try:
            with open(summary, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            # CI sets it; a stale value in a local shell must not block a run: warn, skip it
            os.environ.pop("GITHUB_STEP_SUMMARY")
            click.echo(
                f"vlmspec: warning: $GITHUB_STEP_SUMMARY {summary}: cannot append "
                f"({exc.strerror or exc}); the step summary is skipped",
                err=True,
            )


def _step_summary() -> str | None:
    return os.environ.get("GITHUB_STEP_SUMMARY") or None


def _load_baseline(path: Path) -> Baseline:
    from vlmspec import conformance

    try:
        return conformance.load_baseline(path)
    except ValueError as exc:
        fail(str(exc))


def _write_or_fail(path: Path, text: str) -> None:
    from vlmspec.conformance._report import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def _announce(base_url: str, token: str | None, *, authorization_header: bool) -> None:
    """Say where the base URL came from when it was the environment, and when we test as a guest."""
    from vlmspec.conformance import shown_url

    source = click.get_current_context().get_parameter_source("base_url")
    if source is ParameterSource.ENVIRONMENT:
        name = next((n for n in _BASE_URL_ENV if os.environ.get(n)), _BASE_URL_ENV[0])
        print(f"conform: testing {shown_url(base_url)} (from ${name})", file=sys.stderr)
    if not token and not authorization_header:
        print(
            "conform: no token (--token, $VLMRUN_API_KEY or $OPENAI_API_KEY): testing as a guest",
            file=sys.stderr,
        )


@contextlib.contextmanager
def _target(
    base_url: str | None,
    token: str | None,
    load: Callable[[], None],
    connection: Connection,
    options: Options,
) -> Iterator[Target]:
    from vlmspec import conformance

    if base_url is None:
        with conformance.embedded_server(on_spawn=load) as target:
            yield dataclasses.replace(target, connection=connection)
    else:
        target = conformance.target_from_base_url(base_url, token, connection=connection)
        target = conformance.preflight(target, options.timeout, options.model)
        load()
        yield target


def _write_reports(result: RunResult, report_dir: Path | None, junit: Path | None) -> None:
    from vlmspec import conformance
    from vlmspec.conformance._report import write_atomic

    markdown = conformance.to_markdown(result)
    try:
        if report_dir is not None:
            write_atomic(report_dir / "report.json", conformance.to_json(result))
            write_atomic(report_dir / "report.md", markdown)
        if junit is not None:
            write_atomic(junit, conformance.to_junit(result))
    except OSError as exc:
        fail(f"cannot write a report: {exc}")
    summary = _step_summary()
    if summary is not None:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(markdown)
        except OSError as exc:  # the reports are written; the summary is a courtesy
            click.echo(f"vlmspec: warning: cannot append to $GITHUB_STEP_SUMMARY: {exc}", err=True)
