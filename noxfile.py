"""Developer sessions: tests, lint, typecheck, generate, check, bench, sdk_vlmrun (`nox -l`)."""

from __future__ import annotations

import sys
from pathlib import Path

import nox

# `ci` runs lint, typecheck, check and tests in ONE environment (installed once): what CI runs.
nox.options.sessions = ["ci", "sdk_vlmrun"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"

PYTHON = "3.11"
OUR_CODE = [
    "vlmspec",
    "tests",
    "bench",
    "noxfile.py",
]


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", *OUR_CODE)
    session.run("ruff", "format", "--check", *OUR_CODE)


def _typecheck(session: nox.Session) -> None:
    session.run("mypy", *(path for path in OUR_CODE if path != "noxfile.py"))


def _tests(session: nox.Session) -> None:
    session.run("python", "-m", "pytest", "-n", "2", "--dist", "loadgroup", *session.posargs)


@nox.session(python=PYTHON)
def ci(session: nox.Session) -> None:
    """lint, typecheck, check and tests in one shared environment (the default run)."""
    # Not --no-compile (10 s less to install): where PYTHONDONTWRITEBYTECODE is set, as on these
    # machines, nothing is cached on import, and each of the suite's ~150 subprocesses compiled
    # its imports again (pytest 615 s against 489 s)
    session.install("-e", ".[dev]")
    _lint(session)
    _typecheck(session)
    session.run("vlmspec", "check")
    _tests(session)


@nox.session(python=PYTHON, default=False)
def tests(session: nox.Session) -> None:
    """The test suite alone (`ci` runs it after lint, typecheck and check)."""
    session.install("-e", ".[dev]")
    _tests(session)


@nox.session(python=PYTHON, default=False)
def lint(session: nox.Session) -> None:
    """ruff lint and format check on our code and on generated code."""
    session.install("ruff>=0.17,<0.18")  # pyproject pins this range: it formats generated code
    _lint(session)


@nox.session(python=PYTHON, default=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on our code and on generated code."""
    session.install("-e", ".[dev]")
    _typecheck(session)


@nox.session(python=PYTHON, default=False)
def generate(session: nox.Session) -> None:
    """Rebuild spec/openapi.yaml and generated/ from upstream + overlays."""
    session.install("-e", ".")
    session.run("vlmspec", "generate")


@nox.session(python=PYTHON, default=False)
def check(session: nox.Session) -> None:
    """Fail when spec/openapi.yaml or generated/ is stale."""
    session.install("-e", ".")
    session.run("vlmspec", "check")


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: generation speed, fault detection, server throughput (figures → README)."""
    session.install("-e", ".[dev]")
    session.run("python", "bench/bench_generate.py")
    session.run("python", "bench/bench_faults.py")
    session.run("python", "bench/bench_attacks.py")
    session.run("bash", "bench/install_tools.sh", external=True)
    session.run("python", "bench/bench_server.py")


@nox.session(python=PYTHON)
def sdk_vlmrun(session: nox.Session) -> None:
    """The official vlmrun SDK against `vlmspec serve`.

    The SDK pins openai==1.109.1 and pydantic==2.13.5, older than the server needs, so the SDK
    gets this session's venv and the server runs from a second venv (VLMSPEC_SERVER_PYTHON).
    """
    session.install("vlmrun==0.9.2", "pytest")
    # The `ci` session's environment already holds the server: reuse it rather than install twice.
    ci_python = Path(".nox/ci/bin/python").absolute()  # not resolve(): the venv is the symlink
    if ci_python.exists():
        server_python = str(ci_python)
    else:
        server_venv = Path(session.create_tmp()).resolve() / "server-venv"
        if not (server_venv / "bin" / "python").exists():
            session.run(sys.executable, "-m", "venv", str(server_venv), external=True)
        server_python = str(server_venv / "bin" / "python")
        session.run(server_python, "-m", "pip", "install", "--quiet", "-e", ".", external=True)
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/sdk_vlmrun",
        "-p",
        "no:cacheprovider",
        env={"VLMSPEC_SERVER_PYTHON": server_python},
    )


@nox.session(python=PYTHON)
def thirdparty(session: nox.Session) -> None:
    """`vlmspec conform` against `transformers serve` with a tiny model built at run time.

    Not in the default sessions: it installs torch and takes minutes. The server gets its own
    venv; the table goes to bench/out/thirdparty.md (see README, "Third-party servers").
    """
    session.install("-e", ".")
    server_venv = Path(session.create_tmp()).resolve() / "transformers-venv"
    if not (server_venv / "bin" / "python").exists():
        session.run(sys.executable, "-m", "venv", str(server_venv), external=True)
    server_python = str(server_venv / "bin" / "python")
    # torch==2.13.0 exactly: it resolves to the CPU wheel the machines have on disk; a bare
    # `torch` would pull a multi-GB CUDA build. transformers is pinned to the version whose
    # behaviour bench/_thirdparty_truth.py records.
    packages = ["torch==2.13.0", "transformers[serving]==5.24.0"]
    session.run(server_python, "-m", "pip", "install", "--quiet", *packages, external=True)
    session.run("python", "bench/bench_thirdparty.py", "--server-python", server_python)
