"""pytest plugin: `pytest --pyargs vlmspec.conformance --vlmspec-base-url URL` runs the suite,
one test per clause.

Options, all prefixed so that they never collide with another plugin's (pytest-base-url, pulled
in by pytest-playwright and pytest-selenium, owns `--base-url`): --vlmspec-base-url (else
pytest-base-url's --base-url when that plugin is installed, else $VLMRUN_BASE_URL or
$OPENAI_BASE_URL; none: the embedded reference server), --vlmspec-token (else $VLMRUN_API_KEY
or $OPENAI_API_KEY), --vlmspec-profile, --vlmspec-seed, --vlmspec-timeout,
--vlmspec-deterministic, and the gateway options --vlmspec-header, --vlmspec-proxy,
--vlmspec-ca-bundle, --vlmspec-insecure. The plugin autoloads in every pytest run but only
adds options (importing nothing heavy); tests exist only in the `vlmspec.conformance` package.
--vlmspec-target, --vlmspec-no-auth, --vlmspec-max-time and --vlmspec-allow-incomplete (a clause
not judged is a skip instead of a failure) choose the scope and bounds.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._gateway import Connection

__all__ = ["base_url_of", "conformance_result"]


_BASE_URL_ENV = ("VLMRUN_BASE_URL", "OPENAI_BASE_URL")
_TOKEN_ENV = ("VLMRUN_API_KEY", "OPENAI_API_KEY")


def _add(group: Any, *names: str, **kwargs: Any) -> None:
    # Our names are prefixed; should another plugin still own one, share it rather than crash.
    with contextlib.suppress(ValueError):
        group.addoption(*names, **kwargs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vlmspec-conformance", "vlmspec conformance suite")
    _add(
        group,
        "--vlmspec-base-url",
        default=None,
        help="Server to test (OpenAI SDK base_url, e.g. http://127.0.0.1:8000/v1/openai); "
        "else pytest-base-url's --base-url, $VLMRUN_BASE_URL or $OPENAI_BASE_URL; "
        "default: the embedded reference server.",
    )
    _add(
        group,
        "--vlmspec-token",
        default=None,
        help="Bearer token (default $VLMRUN_API_KEY, then $OPENAI_API_KEY).",
    )
    _add(
        group,
        "--vlmspec-timeout",
        default=10.0,
        type=float,
        help="Seconds allowed per request, streams included (default 10).",
    )
    _add(
        group,
        "--vlmspec-profile",
        default="smoke",
        choices=("smoke", "ci", "deep"),
        help="Conformance profile (default smoke).",
    )
    _add(group, "--vlmspec-seed", default=0, type=int, help="Seed of generated cases.")
    _add(
        group,
        "--vlmspec-header",
        action="append",
        default=[],
        metavar="K:V",
        help="Send this header with every request (repeatable; secret-looking ones never shown).",
    )
    _add(group, "--vlmspec-proxy", default=None, metavar="URL", help="An http(s) proxy.")
    _add(group, "--vlmspec-ca-bundle", default=None, metavar="PATH", help="CAs to trust (PEM).")
    _add(group, "--vlmspec-insecure", action="store_true", help="Do not verify TLS certificates.")
    _add(
        group,
        "--vlmspec-deterministic",
        action="store_true",
        default=None,
        help="The target's replies are deterministic: compare streams with non-stream replies "
        "(always on for the embedded server).",
    )

    _add(
        group,
        "--vlmspec-target",
        default="vlmrun",
        choices=("vlmrun", "openai"),
        help="What the server claims: the VLM Run API, or only OpenAI's Chat Completions.",
    )
    _add(group, "--vlmspec-no-auth", action="store_true", help="The server has no auth.")
    _add(group, "--vlmspec-max-time", type=float, default=None, help="Seconds for the run.")
    _add(
        group,
        "--vlmspec-allow-incomplete",
        action="store_true",
        help="A clause not judged (budget, max time, unjudgeable replies) skips, not fails.",
    )


@pytest.fixture(scope="session")
def conformance_result(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The run's result, computed once per session (a ConfigError fails every clause test)."""
    from vlmspec import conformance
    from vlmspec.codegen import spec_for_testing

    config = request.config
    spec_path = spec_for_testing()
    if not isinstance(spec_path, os.PathLike):
        pytest.fail(f"no spec: {spec_path.one_line()}", pytrace=False)
    try:
        spec = conformance.load_spec(spec_path)
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)
    # `-k usage` selects clause tests: only their checks run.
    selected = {
        item.callspec.params["clause"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and getattr(item.module, "__name__", "") == "vlmspec.conformance.test_conformance"
        and "clause" in getattr(getattr(item, "callspec", None), "params", {})
    }
    options = conformance.Options(
        clauses=tuple(c.id for c in conformance.CLAUSES if c.id in selected),
        profile=config.getoption("--vlmspec-profile"),
        seed=config.getoption("--vlmspec-seed"),
        deterministic=config.getoption("--vlmspec-deterministic"),
        timeout=config.getoption("--vlmspec-timeout"),
        target=config.getoption("--vlmspec-target"),
        auth=not config.getoption("--vlmspec-no-auth"),
        max_time=config.getoption("--vlmspec-max-time"),
    )
    base_url = base_url_of(config)
    token = config.getoption("--vlmspec-token") or _first_env(_TOKEN_ENV)
    try:
        if base_url is None:
            # generation of the cases starts while the server starts
            prepare = functools.partial(conformance.prepare, spec, options)
            with conformance.embedded_server(on_spawn=prepare) as target:
                yield conformance.run(spec, target, options)
        else:
            target = conformance.target_from_base_url(
                base_url, token, connection=_connection(config)
            )
            target = conformance.preflight(target, options.timeout)
            yield conformance.run(spec, target, options)
    except conformance.ConfigError as exc:
        # one message and a usage exit, not the same error repeated for every clause
        pytest.exit(f"vlmspec: error: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)


def _connection(config: pytest.Config) -> Connection:
    """The gateway options as a Connection; raise ConfigError on a bad one."""
    from ._gateway import Connection, parse_headers

    connection = Connection(
        headers=parse_headers(config.getoption("--vlmspec-header") or []),
        proxy=config.getoption("--vlmspec-proxy"),
        ca_bundle=config.getoption("--vlmspec-ca-bundle"),
        insecure=bool(config.getoption("--vlmspec-insecure")),
    )
    connection.check()
    return connection


def base_url_of(config: pytest.Config) -> str | None:
    """--vlmspec-base-url, else pytest-base-url's --base-url (or its ini), else the environment."""
    ours: str | None = config.getoption("--vlmspec-base-url")
    if ours:
        return ours
    # pytest-base-url, when installed, stores --base-url (or its `base_url` ini value) here
    theirs = config.getoption("base_url", default=None)
    if not theirs:
        with contextlib.suppress(ValueError):  # ValueError: no plugin declared that ini key
            theirs = config.getini("base_url")
    if isinstance(theirs, str) and theirs:
        return theirs
    return _first_env(_BASE_URL_ENV)


def _first_env(names: tuple[str, ...]) -> str | None:
    return next((os.environ[name] for name in names if os.environ.get(name)), None)
