"""pytest plugin: `pytest --pyargs conformance --base-url URL` runs the suite, one test per clause.

Options: --base-url (omit it to start the embedded reference server), --vlmspec-token (default
$VLMRUN_API_KEY), --vlmspec-profile, --vlmspec-seed, --vlmspec-deterministic, --vlmspec-target,
--vlmspec-no-auth, --vlmspec-max-time, --vlmspec-allow-incomplete (a clause not judged is a
skip instead of a failure). The plugin
autoloads in every pytest run but only adds options; tests exist only in the `conformance`
package itself.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["conformance_result"]


def _add(group: Any, *names: str, **kwargs: Any) -> None:
    # Another plugin (e.g. pytest-base-url) may own the name already: share it, don't crash.
    with contextlib.suppress(ValueError):
        group.addoption(*names, **kwargs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vlmspec-conformance", "vlmspec conformance suite")
    _add(
        group,
        "--base-url",
        default=None,
        help="Server to test (OpenAI SDK base_url); default: the embedded reference server.",
    )
    _add(group, "--vlmspec-token", default=None, help="Bearer token (default $VLMRUN_API_KEY).")
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
        target=config.getoption("--vlmspec-target"),
        auth=not config.getoption("--vlmspec-no-auth"),
        max_time=config.getoption("--vlmspec-max-time"),
    )
    base_url = config.getoption("--base-url")
    token = config.getoption("--vlmspec-token") or os.environ.get("VLMRUN_API_KEY")
    try:
        if base_url is None:
            # generation of the cases starts while the server starts
            prepare = functools.partial(conformance.prepare, spec, options)
            with conformance.embedded_server(on_spawn=prepare) as target:
                yield conformance.run(spec, target, options)
        else:
            yield conformance.run(spec, conformance.target_from_base_url(base_url, token), options)
    except conformance.ConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
