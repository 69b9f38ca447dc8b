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
    from vlmspec.conformance import Options, RunResult, Target
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
Exit codes: 0 conformant; 1 not conformant (a clause failed); 2 usage, configuration
or unreachable server. Reports (report.json, report.md) go to --report-dir; the
Markdown report is also appended to $GITHUB_STEP_SUMMARY when it is set.
"""


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
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write report.json and report.md here.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
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
    unknown = [c for c in clauses if c not in known]
    if unknown:
        fail(f"unknown --clause {', '.join(unknown)}; known: {', '.join(known)}")
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
    )
    if ca_bundle and insecure:
        fail("--ca-bundle and --insecure contradict each other: use one")
    try:
        connection = Connection(
            headers=parse_headers(headers), proxy=proxy, ca_bundle=ca_bundle, insecure=insecure
        )
        connection.check()
    except conformance.ConfigError as exc:
        fail(str(exc))
    if base_url is not None:
        _announce(base_url, token)
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

    try:
        with (
            _target(base_url, token, load, connection, options) as target,
            progress() as on_event,
        ):
            result = conformance.run(loaded[0], target, options, on_event=on_event)
    except conformance.ConfigError as exc:
        fail(str(exc))
    print_summary(result)
    _write_reports(result, report_dir, junit)
    for error in result.internal_errors:
        print(f"vlmspec: error: internal error (a bug in vlmspec): {error}", file=sys.stderr)
    if result.internal_errors and result.conformant:
        raise SystemExit(EXIT_INTERNAL)
    raise SystemExit(EXIT_OK if result.conformant else EXIT_FAIL)


def _announce(base_url: str, token: str | None) -> None:
    """Say where the base URL came from when it was the environment, and when we test as a guest."""
    from vlmspec.conformance import shown_url

    source = click.get_current_context().get_parameter_source("base_url")
    if source is ParameterSource.ENVIRONMENT:
        name = next((n for n in _BASE_URL_ENV if os.environ.get(n)), _BASE_URL_ENV[0])
        print(f"conform: testing {shown_url(base_url)} (from ${name})", file=sys.stderr)
    if not token:
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
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(markdown)
    except OSError as exc:
        print(f"vlmspec: error: cannot write a report: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
