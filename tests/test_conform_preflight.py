"""The preflight and the command line's base-URL story: mistakes end in one line and exit 2
before any run; the environment supplies base URL and token; a guest run says so."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conform_fixture_servers import serving
from vlmspec.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CANARY = "canary-PREFLIGHT-7c1e5a9b3d"
_CLEAN_ENV = {name: "" for name in ("VLMRUN_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY")}


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    with serving(CANARY) as url:
        yield url


def conform(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["conform", *args], env={**_CLEAN_ENV, "VLMRUN_API_KEY": CANARY, **(env or {})}
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, err: str) -> str:
    assert code == 2, err
    assert err.startswith("vlmspec: error: ") and err.count("\n") == 1, err
    assert CANARY not in err
    return err


@pytest.mark.parametrize("path", ["/v1", "", "/openai"])
def test_a_wrong_base_url_names_one_that_answers(root: str, path: str) -> None:
    code, out, err = conform("--base-url", root + path)
    one_line_error(code, err)
    assert f"use --base-url {root}/v1/openai (it answers)" in err
    assert "conform" not in out  # nothing was run


def test_no_candidate_answers_explains_the_base_url(root: str) -> None:
    code, _, err = conform("--base-url", f"{root}/api/nothing")
    one_line_error(code, err)
    assert "answered 404" in err and "http://127.0.0.1:8000/v1/openai" in err


def test_a_base_url_ending_in_the_chat_route_gets_the_fix(root: str) -> None:
    code, _, err = conform("--base-url", f"{root}/v1/openai/chat/completions/")
    one_line_error(code, err)
    assert f"use --base-url {root}/v1/openai" in err


def test_a_rejected_token_is_a_usage_error(root: str) -> None:
    code, _, err = conform("--base-url", f"{root}/v1/openai", "--token", "wrong-token-123")
    assert "token rejected" in one_line_error(code, err)


def test_userinfo_in_the_base_url_is_never_printed(root: str, tmp_path: Path) -> None:
    host = root.removeprefix("http://")
    code, out, err = conform("--base-url", f"http://alice:s3cret-Pa55word@{host}/v1")
    assert f"use --base-url http://***@{host}/v1/openai" in one_line_error(code, err)
    args = ("--clause", "usage", "--report-dir", str(tmp_path), "--junit", str(tmp_path / "j.xml"))
    code, out, err = conform("--base-url", f"http://alice:s3cret-Pa55word@{host}/v1/openai", *args)
    assert code == 0, out + err
    texts = [out, err, *(p.read_text() for p in tmp_path.iterdir())]
    assert all("s3cret-Pa55word" not in text and "alice" not in text for text in texts)


def test_base_url_and_token_come_from_the_environment(root: str, tmp_path: Path) -> None:
    env = {"VLMRUN_BASE_URL": "", "OPENAI_BASE_URL": f"{root}/v1/openai", "VLMRUN_API_KEY": ""}
    env["OPENAI_API_KEY"] = CANARY
    args = ("--clause", "usage", "--report-dir", str(tmp_path))
    code, out, err = conform(*args, env=env)
    assert code == 0, out + err
    assert f"testing {root}/v1/openai (from $OPENAI_BASE_URL)" in err
    assert "guest" not in err
    # ours first: VLMRUN_BASE_URL wins over OPENAI_BASE_URL
    env["VLMRUN_BASE_URL"] = f"{root}/v1"
    code, _, err = conform(*args, env=env)
    note, error = err.split("\n", 1)
    assert note == f"conform: testing {root}/v1 (from $VLMRUN_BASE_URL)"
    assert "use --base-url" in one_line_error(code, error)


def test_a_token_in_a_header_is_a_token(root: str) -> None:
    """`--header "Authorization: Bearer …"` is credentials: no guest note, and a rejection says
    which option carried it; with --token as well, the two contradict each other."""
    bad = ["--header", "Authorization: Bearer wrong-token-123"]
    code, _, err = conform("--base-url", f"{root}/v1/openai", *bad, env={"VLMRUN_API_KEY": ""})
    assert "the Authorization --header" in one_line_error(code, err)
    assert "guest" not in err
    code, _, err = conform("--base-url", f"{root}/v1/openai", "--token", "t", *bad)
    assert "contradict" in one_line_error(code, err)


def test_a_server_refusing_guests_with_429_is_a_usage_error() -> None:
    """A spent guest limit would leave every clause not judged: say so before the run."""
    from tests._refserver import serving as serving_refserver

    with serving_refserver(api_keys=["k"], extra=["--guest-limit", "0"]) as server:
        code, _, err = conform("--base-url", server.openai_base, env={"VLMRUN_API_KEY": ""})
    assert code == 2, err
    last = err.splitlines()[-1]  # after the one-line note that the run is a guest's
    assert (
        last.startswith("vlmspec: error: guest limit reached")
        and "answered 429 (Retry-After: " in last
    )
    assert "pass --token" in last


def test_a_guest_run_says_so(root: str) -> None:
    code, out, err = conform(
        "--base-url", f"{root}/v1/openai", "--clause", "usage", env={"VLMRUN_API_KEY": ""}
    )
    assert "testing as a guest" in err
    assert code == 0, out + err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--header", "no-colon"], "must be NAME:VALUE"),
        (["--header", "X-Api-Key:" + CANARY + "\nx"], "must not contain line breaks"),
        (["--proxy", "socks5://127.0.0.1:1080"], "--proxy must be an http"),
        (["--ca-bundle", "/nonexistent/ca.pem"], "--ca-bundle /nonexistent/ca.pem"),
        (["--ca-bundle", __file__], "--ca-bundle"),
        (["--ca-bundle", __file__, "--insecure"], "contradict"),
    ],
)
def test_gateway_option_errors_are_one_line(args: list[str], words: str) -> None:
    code, _, err = conform("--base-url", "http://127.0.0.1:9/v1/openai", *args)
    assert words in one_line_error(code, err)


def test_requests_go_through_the_proxy(root: str) -> None:
    # the server itself is reachable; the proxy is not, and every request goes through it
    code, _, err = conform("--base-url", f"{root}/v1/openai", "--proxy", "http://127.0.0.1:9")
    assert "through --proxy http://127.0.0.1:9" in one_line_error(code, err)


def test_gateway_headers_are_sent_and_secret_ones_never_shown(root: str, tmp_path: Path) -> None:
    # the fixture server's "nodone" fault fails stream-framing: its curl shows our headers
    code, out, err = conform(
        "--base-url",
        f"{root}/f/nodone/v1/openai",
        "--header",
        "X-Api-Key: gw-" + CANARY,
        "--header",
        "X-Trace: visible-123",
        "--clause",
        "stream-framing",
        "--report-dir",
        str(tmp_path),
    )
    assert code == 1, out + err
    text = out + err + (tmp_path / "report.md").read_text()
    assert "x-api-key: ***" in text and "x-trace: visible-123" in text
    assert CANARY not in text


def test_conform_help_tells_one_base_url_story() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vlmspec", "conform", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert "http://127.0.0.1:8000/v1/openai" in result.stdout
    assert "8000/v1 " not in result.stdout and "8000/v1\n" not in result.stdout
    for flag in ("--header", "--proxy", "--ca-bundle", "--insecure", "VLMRUN_BASE_URL"):
        assert flag in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--report-dir", "/proc/vlmspec-nope"],
        ["--junit", "/proc/vlmspec-nope.xml"],
        ["--report-dir", "/sys/kernel/vlmspec-nope"],
    ],
)
def test_an_output_path_that_cannot_be_written_fails_before_the_run(args: list[str]) -> None:
    """Write permission bits mean nothing to root or on /proc: a file is really tried."""
    code, _, err = conform("--base-url", "http://127.0.0.1:9/v1/openai", *args)
    assert args[0] in one_line_error(code, err) and "cannot reach" not in err
