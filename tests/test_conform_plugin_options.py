"""The pytest plugin's options coexist with pytest-base-url (installed with the dev extra, as
pytest-playwright and pytest-selenium install it) and read its --base-url as a fallback."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "http://127.0.0.1:9/v1/openai"  # the discard port: nothing listens

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pytest_base_url") is None, reason="needs pytest-base-url (dev extra)"
)


def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VLMRUN_BASE_URL": "", "OPENAI_BASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT / "tests",
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_both_plugins_load_and_offer_their_options() -> None:
    result = pytest_run("--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "already used" not in result.stderr
    assert "--vlmspec-base-url" in result.stdout and "--base-url=" in result.stdout


@pytest.mark.parametrize("option", ["--vlmspec-base-url", "--base-url"])
def test_the_base_url_reaches_the_suite(option: str) -> None:
    # an unreachable server: the session stops once with the CLI's message and a usage exit
    result = pytest_run("--pyargs", "vlmspec.conformance", option, UNREACHABLE)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:]
    assert result.stdout.count(f"cannot reach {UNREACHABLE}") == 1, result.stdout[-2000:]


def test_gateway_options_reach_the_suite() -> None:
    args = ("--pyargs", "vlmspec.conformance", "--vlmspec-base-url", UNREACHABLE, "-k", "health")
    result = pytest_run(*args, "--vlmspec-proxy", "http://127.0.0.1:9")
    assert result.returncode == 4 and "through --proxy http://127.0.0.1:9" in result.stdout
    result = pytest_run(*args, "--vlmspec-header", "no-colon")
    assert result.returncode == 4 and "must be NAME:VALUE" in result.stdout
