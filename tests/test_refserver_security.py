"""Attacks on `vlmspec serve` (issue 7): tenants, freezes, headers, resource hygiene."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

ALICE = "alice-key"
BOB = "bob-key"
CHAT = "/v1/openai/chat/completions"
# Catastrophic backtracking in Python's `re` (linear in RE2): seconds at 28 `a`s, hours at 40.
EVIL = {"type": "string", "enum": ["a" * 40 + "!"], "not": {"pattern": "^(a+)+$"}}
# The same with a lookahead RE2 cannot compile: only the worker deadline bounds it.
EVIL_LOOKAHEAD = {"type": "string", "enum": ["a" * 40 + "!"], "not": {"pattern": "^(a+)+(?=b)"}}


class Serve:
    """`vlmspec serve ARGS` on a free loopback port; its banner and stderr are kept."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "vlmspec", "serve", "--port", "0", *args]
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        if env is None:
            environment.pop("VLMRUN_API_KEY", None)
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tempfile.gettempdir(),
            env=environment,
        )
        self.banner: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.banner.append(line.rstrip("\n"))
            if "listening on" in line:
                self.root = line.split("listening on", 1)[1].strip()
                break
        else:
            self.process.kill()
            raise RuntimeError(f"server did not start: {self.process.communicate()}")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        host, port = self.root.removeprefix("http://").rsplit(":", 1)
        self.address = (host.strip("[]"), int(port))

    def _drain(self) -> None:
        assert self.process.stderr is not None
        self.stderr.extend(self.process.stderr)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code; SIGKILL (and a failure) if it does not stop in time."""
        self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise AssertionError("the server ignored SIGTERM") from None


@pytest.fixture(scope="module")
def server() -> Iterator[Serve]:
    running = Serve(["--api-key", ALICE, "--api-key", BOB, "--db", ":memory:"])
    try:
        yield running
    finally:
        running.stop()


def _post(server: Serve, body: Any, token: str | None = None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(server.root + CHAT, json=body, headers=headers, timeout=60)


def _content(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def _says(session: str, text: str) -> dict[str, Any]:
    return {"session_id": session, "messages": [{"role": "user", "content": text}]}


# 1. Cross-tenant reads


def test_a_session_id_belongs_to_its_owner(server: Serve) -> None:
    _content(_post(server, _says("shared-1", "My SSN is 078-05-1120."), ALICE))
    for token, headers in ((BOB, {}), (None, {"X-Browser-Id": "mallory"})):
        stolen = _content(_post(server, _says("shared-1", "What did I say?"), token, **headers))
        assert "Turn 1." in stolen and "078-05-1120" not in stolen
    mine = _content(_post(server, _says("shared-1", "And now?"), ALICE))
    assert "Turn 2." in mine and "078-05-1120" in mine  # nobody else appended to it


def test_no_key_or_header_is_stored_raw(tmp_path: Path) -> None:
    db = tmp_path / "owners.db"
    running = Serve(["--api-key", ALICE, "--db", str(db)])
    try:
        _content(_post(running, _says("s", "hello"), ALICE))
        guest = {"X-Browser-Id": "marker-browser", "User-Agent": "marker-agent"}
        _content(_post(running, _says("s", "hi"), None, **guest))
        _content(_post(running, {"messages": [{"role": "user", "content": "x"}]}, None, **guest))
    finally:
        assert running.stop() == 0
    with sqlite3.connect(db) as check:
        dump = "\n".join(check.iterdump())
    assert "hello" in dump and "hi" in dump
    assert ALICE not in dump and "marker" not in dump


# 2. One request must not freeze the server


def _health_answers(server: Serve) -> bool:
    return httpx.get(server.root + "/v1/health", timeout=20).status_code == 200


def test_a_backtracking_pattern_does_not_freeze_the_server(server: Serve) -> None:
    body = {
        "messages": [{"role": "user", "content": "x"}],
        "response_format": {"type": "json_schema", "schema": EVIL},
    }
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        attack = pool.submit(_post, server, body, ALICE)
        time.sleep(0.5)
        assert _health_answers(server)
        answer = attack.result(timeout=60)
    assert answer.status_code == 201, answer.text  # RE2 decides it at once: the enum value fits
    assert answer.json()["choices"][0]["message"]["content"] == f'"{"a" * 40}!"'


def test_a_pattern_re2_cannot_run_is_cut_by_a_deadline_and_sigterm_works() -> None:
    running = Serve(["--api-key", ALICE, "--db", ":memory:"])
    pool = concurrent.futures.ThreadPoolExecutor(2)
    try:
        body = {
            "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema", "schema": EVIL_LOOKAHEAD},
        }
        attack = pool.submit(_post, running, body, ALICE)
        time.sleep(0.5)
        assert _health_answers(running)
        answer = attack.result(timeout=60)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"][0]
        assert detail["loc"] == ["body", "response_format", "schema"]
        assert "time limit" in detail["msg"]
        again = pool.submit(_post, running, body, ALICE)
        time.sleep(0.5)  # SIGTERM while a runaway job runs: the server still stops cleanly
    finally:
        code = running.stop(timeout=20)
        pool.shutdown(wait=True)
    assert code == 0, "".join(running.stderr)
    assert again.done()


def test_quota_is_checked_before_any_schema_work() -> None:
    running = Serve(["--api-key", ALICE, "--db", ":memory:", "--guest-limit", "1"])
    try:
        plain = {"messages": [{"role": "user", "content": "x"}]}
        assert _post(running, plain, None, **{"X-Browser-Id": "q"}).status_code == 201
        invalid = {**plain, "response_format": {"type": "json_schema", "schema": {"type": 7}}}
        assert _post(running, invalid, None, **{"X-Browser-Id": "q"}).status_code == 429
        assert _post(running, invalid, "wrong").status_code == 401
    finally:
        assert running.stop() == 0


# 3. Headers


def _raw(
    address: tuple[str, int], data: bytes, timeout: float = 30, *, whole: bool = False
) -> bytes:
    """Send *data* on a fresh connection; the answer's head (``whole``: all until closed)."""
    with socket.create_connection(address, timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may close before reading everything
            sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and not whole:
                    break
        except ConnectionResetError:
            pass
        return received


def test_oversized_or_too_many_headers_are_431(server: Serve) -> None:
    huge = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"a" * (4 << 20) + b"\r\n\r\n"
    assert _raw(server.address, huge).startswith(b"HTTP/1.1 431 ")
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(300))
    answer = _raw(
        server.address, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", whole=True
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    # the error body overlay 040 documents for 431 (ErrorResponse: {"detail": ...})
    assert b"content-type: application/json" in head.lower()
    assert isinstance(json.loads(body)["detail"], str)
    assert _health_answers(server)


# 4. Resource hygiene


def test_rotating_browser_ids_hit_a_per_address_ceiling() -> None:
    running = Serve(["--api-key", ALICE, "--db", ":memory:", "--guest-limit", "2"])
    try:
        plain = {"messages": [{"role": "user", "content": "x"}]}
        codes = [
            _post(running, plain, None, **{"X-Browser-Id": f"b{i}"}).status_code for i in range(30)
        ]
        assert codes.count(201) == 20 and codes[20:] == [429] * 10  # ten browsers' worth
    finally:
        assert running.stop() == 0


def test_stored_turns_are_bounded(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    running = Serve(["--api-key", ALICE, "--db", str(db)])
    try:
        for i in range(3):
            _content(_post(running, _says(f"big-{i}", "word " * (3 << 20)), ALICE))
    finally:
        assert running.stop() == 0
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size < 2 << 20, size


def test_silent_connections_are_closed(server: Serve) -> None:
    with socket.create_connection(server.address, timeout=60) as sock:
        sock.sendall(b"POST /v1/openai/chat/completions HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        while chunk := sock.recv(65536):  # EOF (or a 408) once the read deadline passes
            answer += chunk
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 ")


def test_open_connections_are_capped(server: Serve) -> None:
    held: list[socket.socket] = []
    try:
        for _ in range(1300):
            held.append(socket.create_connection(server.address, timeout=10))
            held[-1].sendall(b"GET /v1/health HTTP/1.1\r\n")  # and never a blank line
        assert _health_answers(server)
        descriptors = len(os.listdir(f"/proc/{server.process.pid}/fd"))
        assert descriptors < 1100, descriptors
    finally:
        for sock in held:
            sock.close()


def test_a_client_leaving_mid_body_logs_no_traceback(server: Serve) -> None:
    head = (
        b"POST /v1/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer alice-key\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    for _ in range(5):
        with socket.create_connection(server.address, timeout=10) as sock:
            sock.sendall(head + b'{"messages": [')
            time.sleep(0.05)
    assert _health_answers(server)
    time.sleep(0.5)
    assert not any("Traceback" in line for line in server.stderr), "".join(server.stderr)
    assert len(server.stderr) <= 5


# 5. serve conformant out of the box (issue 9 item 4)


def test_serve_without_keys_uses_the_environment_key_and_prints_it() -> None:
    running = Serve(["--db", ":memory:"], env={"VLMRUN_API_KEY": "env-key-1"})
    try:
        assert f"base_url: {running.root}/v1/openai" in running.banner
        assert "api_key: $VLMRUN_API_KEY (from the environment)" in running.banner
        body = {"messages": [{"role": "user", "content": "x"}]}
        assert _post(running, body, "env-key-1").status_code == 201
        assert _post(running, {"messages": []}, "any-other").status_code == 401
    finally:
        assert running.stop() == 0


def test_serve_without_any_key_makes_one_and_prints_it() -> None:
    running = Serve(["--db", ":memory:"])
    try:
        keys = [line.split(": ", 1)[1] for line in running.banner if line.startswith("api_key: ")]
        assert len(keys) == 1 and len(keys[0]) >= 32
        body = {"messages": [{"role": "user", "content": "x"}]}
        assert _post(running, body, keys[0]).status_code == 201
        assert _post(running, body, "whatever").status_code == 401
    finally:
        assert running.stop() == 0


def test_an_empty_key_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vlmspec", "serve", "--api-key", " ", "--db", ":memory:"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "vlmspec: error: --api-key: a key cannot be empty"


def test_admission_guards_only_the_served_route() -> None:
    """A wrong path is the app's 404 whatever the token (a client misconfigured its base URL),
    never a 401 or 429 that hides the real mistake."""
    from fastapi.testclient import TestClient

    from vlmspec.refserver import create_app

    client = TestClient(create_app(api_keys=["right"]))
    bad = {"authorization": "Bearer wrong"}
    for path in ("/v1/chat/completions", "/chat/completions", "/foo/chat/completions"):
        assert client.post(path, headers=bad, json={}).status_code == 404, path
    assert client.post("/v1/openai/chat/completions", headers=bad, json={}).status_code == 401
