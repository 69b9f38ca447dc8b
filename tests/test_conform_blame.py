"""Fair blame: a connection broken by one answer is that answer's failure, not the next case's."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from vlmspec.conformance import load_spec, target_from_base_url
from vlmspec.conformance._clauses import Ledger
from vlmspec.conformance._context import Context, Settings
from vlmspec.conformance._http import Budget, RateLimiter, Transport
from vlmspec.conformance._redact import Redactor

ROOT = Path(__file__).resolve().parent.parent
_OK = json.dumps(
    {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
).encode()


def _respond(status: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
    return head.encode() + f"content-length: {len(body)}\r\n\r\n".encode() + body


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += connection.recv(65536)
    return body


@pytest.fixture
def poisoning_server() -> Iterator[str]:
    """Answers `{"boom": ...}` with a 500 that leaves the connection broken: the next request on
    that keep-alive connection gets no answer at all. Any request on a fresh connection is fine."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def handle(connection: socket.socket) -> None:
        with connection:
            poisoned = False
            while not stop.is_set():
                body = _read_request(connection)
                if not body:
                    return
                if poisoned:
                    return  # closes without an answer
                if b"boom" in body:
                    connection.sendall(_respond("500 Internal Server Error", b'{"detail": "x"}'))
                    poisoned = True
                else:
                    connection.sendall(_respond("201 Created", _OK))

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1/openai"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_a_reset_after_a_500_is_blamed_on_the_500(poisoning_server: str) -> None:
    spec = load_spec(ROOT / "spec" / "openapi.yaml")
    target = target_from_base_url(poisoning_server, "t0ken-for-blame-test")
    transport = Transport(Budget(None), RateLimiter(None), timeout=5)
    ledger = Ledger(["response-schema"])
    context = Context(
        task="blame",
        spec=spec,
        target=target,
        transport=transport,
        ledger=ledger,
        redactor=Redactor(target.token),
        settings=Settings(seed=0),
    )
    try:
        context.chat({"messages": [{"role": "user", "content": "boom"}], "max_tokens": 16})
        innocent = context.chat(
            {"messages": [{"role": "user", "content": "innocent"}], "max_tokens": 16}
        )
    finally:
        transport.close()
    assert innocent.status == 201  # sent again alone, it is answered
    (result,) = ledger.finish()
    checks = {failure.check: failure for failure in result.failures}
    blamed = checks["connection-after-answer"]
    assert "broke after this HTTP 500" in blamed.message
    assert blamed.curl is not None and "boom" in blamed.curl and "innocent" not in blamed.curl
    assert all("innocent" not in (f.curl or "") for f in result.failures)
