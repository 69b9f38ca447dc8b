"""Earned verdicts: a check that could not judge is never a pass, the run verdict is three-valued,
and a broken run (internal error, max time, Ctrl-C) never reads as green.

The servers here wrap the fixture server of tests/conform_fixture_servers.py with one behaviour
each (an ASGI wrapper chosen by URL prefix `/x/<name>`), all in this process on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner

from tests.conform_fixture_servers import create_app, serving_app
from vlmspec.cli import cli

TOKEN = "verdict-token-8c1e5a2f7b"
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _read(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def _call(app: App, scope: Scope, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Run ``app`` on one request; its whole answer."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, headers, content = 500, {}, b""

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers, content
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            content += message.get("body", b"")

    await app(scope, receive, send)
    return status, headers, content


async def _answer(
    send: Send, status: int, content: bytes, media: str, extra: dict[str, str] | None = None
) -> None:
    headers = [(b"content-type", media.encode()), (b"content-length", str(len(content)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def _completion(content: str, finish: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-x",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish,
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        }
    ).encode()


def _vary(status: int, media: str, content: bytes) -> tuple[int, bytes]:
    """Legitimate variations a correct suite must pass: 200 instead of 201, extra response
    fields, SSE comments, `id:`/`retry:` fields and CRLF line ends."""
    if status == 201:
        status = 200
    if media.startswith("application/json") and status == 200:
        data = json.loads(content)
        data["system_fingerprint"] = "fp_1"
        data["x_vendor"] = {"latency_ms": 3}
        content = json.dumps(data).encode()
    elif media.startswith("text/event-stream"):
        events = content.decode().split("\n\n")
        varied = [": keep-alive", "retry: 3000"]
        varied += [f"id: {i}\n{e}" if e.strip() else e for i, e in enumerate(events)]
        content = "\r\n\r\n".join(v.replace("\n", "\r\n") for v in varied).encode()
    return status, content


def _header(scope: Scope, name: bytes) -> bytes | None:
    return dict(scope.get("headers") or []).get(name)


def wrapper(inner: App) -> App:
    """`/x/<behaviour>/...` → the fixture server with that behaviour; anything else as is."""

    busy = [0]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/x/"):
            await inner(scope, receive, send)
            return
        _, _, behaviour, rest = path.split("/", 3)
        scope = {**scope, "path": "/" + rest, "raw_path": ("/" + rest).encode()}
        body = await _read(receive)
        try:
            request = json.loads(body) if body else None
        except ValueError:
            request = None
        chat = isinstance(request, dict) and scope["method"] == "POST"
        request = request if isinstance(request, dict) else {}
        if behaviour == "always-sse" and chat:
            # every reply is an event stream, whatever `stream` says
            assert isinstance(request, dict)
            body = json.dumps({**request, "stream": True}).encode()
        elif behaviour == "prose-length" and chat and request.get("response_format"):
            await _answer(send, 201, _completion("Sure! Here is", "length"), "application/json")
            return
        elif behaviour == "limit-429" and scope["method"] == "POST":
            await _answer(
                send, 429, b'{"detail": "slow down"}', "application/json", {"retry-after": "10"}
            )
            return
        elif behaviour == "gateway-500" and chat and _header(scope, b"x-gateway") == b"1":
            # the deployment behind the gateway header fails every chat request (no concurrency
            # fault: a replay alone sees it too, if it goes the same way as the run)
            await _answer(send, 500, b'{"detail": "broken"}', "application/json")
            return
        elif behaviour == "busy-500" and chat:
            # fails only when another request is in flight: a concurrency-only fault
            busy[0] += 1
            try:
                await asyncio.sleep(0.05)
                if busy[0] > 1:
                    await _answer(send, 500, b'{"detail": "busy"}', "application/json")
                    return
            finally:
                busy[0] -= 1
        elif behaviour == "slow":
            await asyncio.sleep(0.5)
        elif behaviour == "deep-json" and chat and not request.get("stream"):
            await _answer(send, 201, b"[" * 1_000_000 + b"]" * 1_000_000, "application/json")
            return
        status, headers, content = await _call(inner, scope, body)
        if behaviour == "openai-errors" and status == 422:
            error = {"error": {"message": "invalid body", "type": "invalid_request_error"}}
            await _answer(send, 400, json.dumps(error).encode(), "application/json")
            return
        if behaviour in ("invalid-401", "invalid-429") and status == 422:
            code = int(behaviour[-3:])
            await _answer(send, code, b'{"detail": "no"}', "application/json")
            return
        media = headers.get("content-type", "application/json")
        if behaviour == "variations":
            status, content = _vary(status, media, content)
        await _answer(send, status, content, media)

    return app


@contextlib.contextmanager
def serving() -> Iterator[str]:
    with serving_app(wrapper(cast(App, create_app(TOKEN)))) as url:
        yield url


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    with serving() as url:
        yield url


def conform(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["conform", *args], env={"VLMRUN_API_KEY": TOKEN})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run(root: str, behaviour: str | None, out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    base = f"{root}/v1/openai" if behaviour is None else f"{root}/x/{behaviour}/v1/openai"
    code, stdout, stderr = conform(
        "--base-url", base, "--deterministic", "--report-dir", str(out), *args
    )
    path = out / "report.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    return code, data, stdout + stderr


def clauses(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {clause["id"]: clause for clause in data["clauses"]}


def test_correct_server_is_conformant_and_every_pass_was_judged(root: str, tmp_path: Path) -> None:
    code, data, output = run(root, None, tmp_path)
    assert code == 0, output
    assert data["verdict"] == "conformant"
    for clause in data["clauses"]:
        assert clause["status"] == "pass" and clause["checks"] >= clause["required"], clause


def test_always_sse_server_is_not_conformant(root: str, tmp_path: Path) -> None:
    """`stream: false` answered with an event stream: the media-type rule fails it, and the
    clauses that need a JSON reply are not judged (never 'pass, N checks' on nothing)."""
    code, data, output = run(root, "always-sse", tmp_path)
    assert code == 1, output
    assert data["verdict"] == "not conformant"
    found = clauses(data)
    schema = found["response-schema"]
    assert schema["status"] == "fail"
    assert any("not application/json" in f["message"] for f in schema["failures"])
    usage = found["usage"]
    assert usage["status"] != "pass" or usage["checks"] > 0
    equivalence = found["stream-equivalence"]
    assert equivalence["status"] == "not judged" and equivalence["checks"] == 0
    assert any("not application/json" in reason for reason in equivalence["unjudged"])


def test_prose_cut_by_length_is_not_judged_never_a_pass(root: str, tmp_path: Path) -> None:
    code, data, output = run(root, "prose-length", tmp_path, "--clause", "response-format")
    assert code == 1, output
    assert data["verdict"] == "inconclusive"
    found = clauses(data)["response-format"]
    assert found["status"] == "not judged" and found["checks"] == 0
    assert any("finish_reason 'length'" in reason for reason in found["unjudged"])
    assert "INCONCLUSIVE" in output
    # the user may accept an inconclusive run, and is told so
    code, data, output = run(
        root, "prose-length", tmp_path, "--clause", "response-format", "--allow-incomplete"
    )
    assert code == 0 and data["verdict"] == "inconclusive"
    assert "--allow-incomplete" in output


def test_auth_answer_to_an_invalid_body_is_not_a_validation_pass(root: str, tmp_path: Path) -> None:
    """A limit answer (429) to an invalid body says nothing about validation: not judged. A 401
    although the run's token is accepted everywhere else is a failure, never a pass."""
    code, data, output = run(root, "invalid-429", tmp_path, "--clause", "validation-rejects")
    found = clauses(data)["validation-rejects"]
    assert found["checks"] == 0 and found["status"] == "not judged", found
    assert any("429" in reason for reason in found["unjudged"])
    assert code == 1 and data["verdict"] == "inconclusive", output
    code, data, output = run(root, "invalid-401", tmp_path, "--clause", "validation-rejects")
    found = clauses(data)["validation-rejects"]
    assert found["status"] == "fail" and code == 1, output


def test_unsent_requests_after_a_budget_stop_are_not_failures(root: str, tmp_path: Path) -> None:
    code, data, output = run(root, None, tmp_path, "--max-requests", "20")
    assert data["requests"] <= 20
    assert "used up" in data["stopped"]
    assert data["verdict"] == "inconclusive" and code == 1, output
    for clause in data["clauses"]:
        assert clause["status"] in ("pass", "not judged"), clause
        assert not any("not sent" in f["message"] for f in clause["failures"])
    assert any(c["status"] == "not judged" and c["incomplete"] for c in data["clauses"])
    code, data, _ = run(root, None, tmp_path, "--max-requests", "20", "--allow-incomplete")
    assert code == 0 and data["verdict"] == "inconclusive"


def test_json_nested_a_million_deep_never_gives_a_green_report(root: str, tmp_path: Path) -> None:
    """Python's JSON parser raises RecursionError on it: either the transport treats the body
    as unparsable (a judged failure) or the engine meets the error (exit 3); never green."""
    code, data, output = run(
        root, "deep-json", tmp_path, "--clause", "n-choices", "--clause", "response-schema"
    )
    assert (code, data["verdict"]) in ((1, "not conformant"), (3, "error")), output


def test_an_internal_error_is_never_green(
    root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any exception inside the engine: the run is an error (exit 3), every report says so."""
    from vlmspec.conformance._context import Context

    def broken(self: Context, clauses: object, exchange: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(Context, "completion", broken)
    junit = tmp_path / "junit.xml"
    code, data, output = run(
        root, None, tmp_path / "out", "--clause", "n-choices", "--junit", str(junit)
    )
    assert code == 3, output
    assert data["verdict"] == "error" and data["conformant"] is False
    assert data["internal_errors"]
    assert "ERROR" in (tmp_path / "out" / "report.md").read_text()
    text = junit.read_text()
    assert 'errors="1"' in text and "internal error" in text
    assert "conformant:" not in output.replace("not conformant", "")


def test_max_time_bounds_a_server_that_always_asks_to_wait(root: str, tmp_path: Path) -> None:
    """429 + Retry-After: 10 on every request: the run ends at --max-time, inconclusive, naming
    the cause (the verdict does not wait for the server)."""
    started = time.monotonic()
    code, data, output = run(root, "limit-429", tmp_path, "--max-time", "3", "--workers", "2")
    elapsed = time.monotonic() - started
    assert code == 1, output
    assert data["verdict"] == "inconclusive"
    assert "--max-time 3s reached" in (data["stopped"] or "")
    assert elapsed < 60  # a bound on a hang, not a timing assertion: the run would take minutes


def test_reports_are_checked_writable_before_the_run(root: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for option, path in (("--report-dir", blocker), ("--junit", blocker / "junit.xml")):
        code, _, err = conform("--base-url", f"{root}/v1/openai", option, str(path))
        assert code == 2, err
        assert err.startswith("vlmspec: error: ") and err.count("\n") == 1, err


def test_target_openai_and_no_auth_scope_the_verdict(root: str, tmp_path: Path) -> None:
    code, data, output = run(
        root,
        None,
        tmp_path,
        "--target",
        "openai",
        "--no-auth",
        "--exclude-clause",
        "usage",
    )
    assert code == 0, output
    found = clauses(data)
    for clause in ("health", "skills", "extensions", "session-continuity"):
        assert found[clause]["status"] == "n/a", found[clause]
    for clause in ("auth-invalid-token", "auth-anonymous", "usage"):
        assert found[clause]["status"] == "n/a", found[clause]
    assert found["validation-rejects"]["status"] == "pass"


def test_baseline_accepts_known_failures_and_reports_new_and_fixed(
    root: str, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    faulty = f"{root}/f/usage"
    args = ("--clause", "usage", "--baseline", str(baseline))
    code, _, err = conform("--base-url", f"{faulty}/v1/openai", *args)
    assert code == 2 and "--baseline-update" in err
    code, _, _ = conform(
        "--base-url", f"{faulty}/v1/openai", "--deterministic", *args, "--baseline-update"
    )
    assert code == 1
    entries = json.loads(baseline.read_text())["failures"]
    assert entries and all(e["clause"] == "usage" for e in entries)
    # the same fault with another seed: every failure known, exit 0
    code, data, output = run(root, None, tmp_path / "a", *args, "--seed", "5")
    # the correct server: the known failures are fixed (their clause was judged)
    assert code == 0, output
    assert set(data["baseline"]["fixed"]) == {e["signature"] for e in entries}
    code, stdout, stderr = conform(
        "--base-url",
        f"{faulty}/v1/openai",
        "--deterministic",
        "--seed",
        "5",
        "--report-dir",
        str(tmp_path / "b"),
        *args,
    )
    data = json.loads((tmp_path / "b" / "report.json").read_text())
    assert code == 0, stdout + stderr
    assert data["verdict"] == "known failures only"
    assert data["baseline"]["new"] == [] and data["baseline"]["known"]


def test_a_failure_only_under_concurrency_is_replayed_alone_and_said_so(
    root: str, tmp_path: Path
) -> None:
    clause = ("--clause", "response-schema")
    code, data, output = run(root, "busy-500", tmp_path, *clause, "--workers", "4")
    assert code == 1, output
    failures = [f for c in data["clauses"] for f in c["failures"]]
    assert failures, output
    assert all(f["concurrent_only"] for f in failures), failures
    assert all("only under concurrent requests" in f["message"] for f in failures)
    assert all(f["curl"].startswith("for i in $(seq 4); do curl ") for f in failures)
    assert "only under concurrent requests" in output
    # one worker: nothing overlaps, the server is correct
    code, data, output = run(root, "busy-500", tmp_path, *clause, "--workers", "1")
    assert code == 0, output


def test_the_replay_alone_goes_through_the_same_gateway(root: str, tmp_path: Path) -> None:
    """A failure replayed alone is sent with the run's --header, proxy and TLS settings (it was
    sent without: where the header routes to another deployment, a failure that every request
    meets was called "only under concurrent requests")."""
    gateway = ("--header", "x-gateway:1", "--clause", "n-choices", "--workers", "4")
    code, data, output = run(root, "gateway-500", tmp_path, *gateway)
    assert code == 1, output
    failures = [f for c in data["clauses"] for f in c["failures"]]
    assert failures, output
    assert not any(f["concurrent_only"] for f in failures), failures


def test_shard_reports_merge_into_one_verdict_and_every_format(root: str, tmp_path: Path) -> None:
    files = []
    for index in (1, 2):
        code, _, output = run(root, None, tmp_path / str(index), "--shard", f"{index}/2")
        assert code == 0, output
        files.append(str(tmp_path / str(index) / "report.json"))
    merged = tmp_path / "merged"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "merge",
            *files,
            "--json",
            str(merged / "m.json"),
            "--markdown",
            str(merged / "m.md"),
            "--junit",
            str(merged / "j.xml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("conformant: 2 shards")
    data = json.loads((merged / "m.json").read_text())
    assert data["verdict"] == "conformant"
    assert {c["status"] for c in data["clauses"]} == {"pass"}
    assert "vlmspec conform: conformant" in (merged / "m.md").read_text()
    assert 'failures="0"' in (merged / "j.xml").read_text()
    # one shard alone leaves clauses of the other unjudged: never conformant by itself
    alone = CliRunner().invoke(cli, ["report", "merge", files[0]])
    assert alone.exit_code == 1 and alone.stdout.startswith("inconclusive: 1 shard ·")
    assert "incomplete: shards missing: 2/2" in alone.stdout, alone.output


def test_ctrl_c_exits_130_with_partial_reports(root: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "vlmspec", "conform", "--base-url", f"{root}/x/slow/v1/openai"]
    command += ["--report-dir", str(tmp_path), "--junit", str(tmp_path / "junit.xml")]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VLMRUN_API_KEY": TOKEN},
    )
    assert process.stderr is not None
    try:
        for line in process.stderr:  # the run is under way once a task is done
            if line.startswith("conform: ["):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, out + err
    assert "interrupted" in out and "clause" in out  # the partial table
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["interrupted"] is True and data["complete"] is False
    assert data["verdict"] != "conformant"
    assert "interrupted" in (tmp_path / "report.md").read_text()
    assert "run incomplete" in (tmp_path / "junit.xml").read_text()


def test_legitimate_variations_are_conformant(root: str, tmp_path: Path) -> None:
    code, data, output = run(root, "variations", tmp_path)
    assert code == 0, output
    assert data["verdict"] == "conformant"


def test_openais_own_error_answer_is_accepted_with_target_openai(root: str, tmp_path: Path) -> None:
    code, data, output = run(root, "openai-errors", tmp_path / "openai", "--target", "openai")
    assert code == 0, output
    assert clauses(data)["validation-rejects"]["status"] == "pass"
    # the VLM Run contract documents 422 with a loc: the same server is not conformant to it
    code, data, output = run(root, "openai-errors", tmp_path / "vlmrun")
    assert code == 1, output
    assert clauses(data)["validation-rejects"]["status"] == "fail"
