"""The conformance client's transport: bounded decoding, WHATWG event streams, bounded JSON,
timeouts that diagnose, and redaction of secrets however a server disguises them."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import socket
import ssl
import subprocess
import threading
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vlmspec.codegen import spec_for_testing
from vlmspec.conformance import Spec, load_spec
from vlmspec.conformance._context import response_problems
from vlmspec.conformance._decode import DecodeError, decoded
from vlmspec.conformance._gateway import Connection
from vlmspec.conformance._http import Budget, Exchange, RateLimiter, Transport
from vlmspec.conformance._redact import Redactor
from vlmspec.conformance._stream import EventParser, parse_stream

CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 0,
    "model": "m",
    "choices": [
        {"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}
    ],
}
LAST = {**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
TOKEN = "canary-Tr4nsp0rt-8d2f6b1e9a"


@pytest.fixture(scope="module")
def spec() -> Spec:
    path = spec_for_testing()
    assert not isinstance(path, str) and hasattr(path, "__fspath__")
    return load_spec(path)  # type: ignore[arg-type]


# --- a one-shot loopback server -------------------------------------------------------------


def read_request(connection: socket.socket) -> None:
    """Read one whole request: closing with unread bytes would reset the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length and (more := connection.recv(65536)):
        body += more


def serve_once(
    answer: Callable[[socket.socket], None], tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run() -> None:
        try:
            connection, _ = listener.accept()
            if tls is not None:
                connection = tls.wrap_socket(connection, server_side=True)
        except OSError:  # ssl.SSLError too: a client that refused our certificate
            return
        with connection, contextlib.suppress(OSError):
            read_request(connection)  # OSError: the client hung up, what a bound is for
            answer(connection)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        listener.close()
        thread.join(timeout=5)


def exchange_from(
    raw: bytes,
    *,
    timeout: float = 5.0,
    latency: float | None = None,
    body: dict[str, object] | None = None,
) -> Exchange:
    def answer(connection: socket.socket) -> None:
        connection.sendall(raw)

    transport = Transport(Budget(None), RateLimiter(None), timeout=timeout, latency=latency)
    try:
        for url in serve_once(answer):
            sent = {"stream": True} if body is None else body
            return transport.send("POST", f"{url}/chat/completions", json_body=sent)
    finally:
        transport.close()
    raise AssertionError("unreachable")


def head(media: str, length: int, *extra: str) -> bytes:
    lines = ["HTTP/1.1 201 Created", f"content-type: {media}", f"content-length: {length}"]
    return ("\r\n".join([*lines, *extra, "connection: close"]) + "\r\n\r\n").encode()


# --- bounded decoding -----------------------------------------------------------------------


def gzip_bomb() -> bytes:
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    layer = b"".join(inner.compress(block) for _ in range(256)) + inner.flush()  # 256 MiB
    return gzip.compress(layer, 9)


def test_a_gzip_gzip_bomb_is_cut_at_the_byte_cap() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 2_000
    exchange = exchange_from(
        head("application/json", len(bomb), "content-encoding: gzip, gzip") + bomb
    )
    assert exchange.error is not None and "exceeds 4194304 bytes" in exchange.error
    assert len(exchange.content) == 4 * 1024 * 1024


def test_decoding_is_lazy_and_layered() -> None:
    pieces = decoded([gzip.compress(gzip.compress(b"hello"))], "gzip, gzip")
    assert b"".join(pieces) == b"hello"
    assert b"".join(decoded([zlib.compress(b"hi")], "deflate")) == b"hi"
    with pytest.raises(DecodeError, match="3 layers"):
        list(decoded([b""], "gzip, gzip, gzip"))
    with pytest.raises(DecodeError, match="unsupported Content-Encoding 'br'"):
        list(decoded([b"x"], "br"))


def test_an_unsupported_encoding_is_a_named_problem() -> None:
    exchange = exchange_from(head("application/json", 2, "content-encoding: br") + b"{}")
    assert exchange.error is not None and "unsupported Content-Encoding 'br'" in exchange.error


# --- event streams --------------------------------------------------------------------------


def sse(*lines: str, end: str = "\n") -> bytes:
    return end.join(lines).encode()


def test_whatwg_event_stream_features_parse(spec: Spec) -> None:
    body = sse(
        "\ufeff: a comment (keep-alive)",
        "retry: 3000",
        "id: 1",
        *("data: " + line for line in json.dumps(CHUNK, indent=1).splitlines()),
        "",
        "retry: soon",  # not digits: ignored
        "data: " + json.dumps(LAST),
        "",
        "data: [DONE]",
        "",
        "",
        end="\r\n",
    )
    stream = parse_stream(body)
    assert stream.framing == [] and stream.done
    assert stream.events[0]["retry"] == 3000 and stream.events[0]["id"] == "1"
    # multi-line data is joined with \n: still the same JSON
    assert stream.chunks == [CHUNK, LAST]
    assert "retry" not in stream.events[1]
    # the same bytes fed one at a time (a CR and its LF in separate pieces) give the same events
    parser = EventParser()
    for byte in body:
        parser.feed(bytes([byte]))
    assert parser.finish().events == stream.events
    # a legal `retry: 3000` passes the response schema (it failed with '3000' is not an integer)
    exchange = Exchange("POST", "u", {}, status=201, content=body)
    exchange.response_headers = {"content-type": "text/event-stream"}
    assert response_problems(spec, exchange) == []


def test_cr_only_line_ends_and_a_field_without_colon() -> None:
    stream = parse_stream(sse("data: a", "data", "data: b", "", "data: [DONE]", "", "", end="\r"))
    assert [event["data"] for event in stream.events] == ["a\n\nb", "[DONE]"]


def test_a_named_event_is_reported_with_why_it_breaks_the_sdk() -> None:
    body = sse("event: delta", "data: " + json.dumps(CHUNK), "", "data: [DONE]", "", "")
    (problem,) = parse_stream(body).framing
    assert "named 'delta'" in problem and "OpenAI" in problem and "omit the `event:`" in problem
    plain = sse("event: message", "data: " + json.dumps(CHUNK), "", "data: [DONE]", "", "")
    assert parse_stream(plain).framing == []


def test_a_flood_of_tiny_events_stops_at_the_event_bound() -> None:
    flood = b"data: 0\n\n" * 466_000
    exchange = exchange_from(head("text/event-stream", len(flood)) + flood)
    assert exchange.error == "stream exceeds 10000 events (endless or flooding)"
    assert exchange.stream is not None and len(exchange.stream.events) == 10_000
    assert len(exchange.content) < 200_000  # the rest was never read


# --- bounded JSON ---------------------------------------------------------------------------


def test_json_nested_a_million_deep_is_a_named_problem_not_a_crash(spec: Spec) -> None:
    deep = b"[" * 1_000_000 + b"]" * 1_000_000
    exchange = exchange_from(head("application/json", len(deep)) + deep, body={})
    assert exchange.error == "response body is JSON nested deeper than 100 levels: not judged"
    assert exchange.json() is None
    assert exchange.error in response_problems(spec, exchange)
    chunk = sse("data: " + "[" * 5000 + "]" * 5000, "", "data: [DONE]", "", "")
    assert "nested deeper than 100 levels" in parse_stream(chunk).framing[0]


# --- timeouts -------------------------------------------------------------------------------


def test_a_timeout_names_the_limit_the_latency_and_the_flag() -> None:
    def slow(connection: socket.socket) -> None:
        threading.Event().wait(2)

    transport = Transport(Budget(None), RateLimiter(None), timeout=0.5, latency=0.3)
    try:
        for url in serve_once(slow):
            exchange = transport.send("POST", f"{url}/chat/completions", json_body={})
    finally:
        transport.close()
    assert exchange.error == (
        "no answer within --timeout 0.5 s: exceeded --timeout 0.5 s (a 16-token request took "
        "0.3 s; raise --timeout if longer replies are just slow)"
    )
    assert "hang" not in exchange.error


# --- secrets --------------------------------------------------------------------------------


def disguises(token: str) -> list[str]:
    return [
        token.upper(),
        token.lower(),
        token[::-1],
        " ".join(token),
        "-".join(token.upper()),
        base64.b64encode(token.encode()).decode(),
        base64.b64encode(f"Bearer {token}".encode()).decode(),
        base64.urlsafe_b64encode(f"x:{token}".encode()).decode(),
        urllib.parse.quote(token, safe=""),
        token.encode().hex(),
    ]


@pytest.mark.parametrize("disguise", disguises(TOKEN))
def test_a_disguised_token_is_redacted_and_never_quoted(disguise: str) -> None:
    redactor = Redactor(TOKEN)
    text = f"rejected: {disguise} (max_tokens=16, session_id=abc)"
    shown = redactor.text(text)
    assert disguise not in shown and "max_tokens=16, session_id=abc" in shown
    assert redactor.quote(text.encode()).startswith("(response text withheld")


def test_a_token_split_across_stream_chunks_is_not_quoted() -> None:
    half = len(TOKEN) // 2
    pieces = [TOKEN[:half], TOKEN[half:]]
    body = "".join(
        f'data: {{"choices": [{{"delta": {{"content": "{piece}"}}}}]}}\n\n' for piece in pieces
    )
    assert TOKEN not in body
    assert Redactor(TOKEN).quote(body.encode()).startswith("(response text withheld")


def test_quotes_are_bounded_and_ordinary_text_stays_readable() -> None:
    redactor = Redactor(TOKEN)
    quoted = redactor.quote(b'{"detail": "max_tokens must be <= 16"}' + b" " * 5000)
    assert quoted.startswith('{"detail": "max_tokens must be <= 16"}')
    assert quoted.endswith("…(+4838 bytes)") and len(quoted) < 250


def test_userinfo_and_secret_headers_are_redacted_in_curl() -> None:
    redactor = Redactor(TOKEN, "gw-" + TOKEN)
    exchange = Exchange(
        "POST",
        "https://alice:pa55@gw.example/v1/openai/chat/completions",
        {"authorization": f"Bearer {TOKEN}", "x-api-key": "gw-" + TOKEN, "x-trace": "t-1"},
        body={"max_tokens": 16},
    )
    curl = redactor.curl(exchange, TOKEN)
    assert "https://***@gw.example/v1/openai/chat/completions" in curl
    assert "pa55" not in curl and "alice" not in curl and TOKEN.lower() not in curl.lower()
    assert "$VLMRUN_API_KEY" in curl and "x-api-key: ***" in curl and "x-trace: t-1" in curl
    assert redactor.text("see https://bob:hunter2@h/v1") == "see https://***@h/v1"


def test_redaction_handles_any_json_value() -> None:
    data: Any = Redactor(TOKEN).data({"note": TOKEN.upper(), "api_key": "x", "max_tokens": 16})
    assert data == {"note": "***", "api_key": "***", "max_tokens": 16}


# --- TLS options ----------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    command += ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.mark.parametrize("how", ["ca-bundle", "insecure", "default"])
def test_tls_trust_follows_the_options(tmp_path: Path, how: str) -> None:
    cert, key = self_signed(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    connection = {
        "ca-bundle": Connection(ca_bundle=str(cert)),
        "insecure": Connection(insecure=True),
        "default": Connection(),
    }[how]

    def answer(client: socket.socket) -> None:
        client.sendall(head("application/json", 2) + b"{}")

    transport = Transport(Budget(None), RateLimiter(None), timeout=5, connection=connection)
    try:
        for url in serve_once(answer, tls=server):
            exchange = transport.send("POST", f"{url}/chat/completions", json_body={})
    finally:
        transport.close()
    if how == "default":  # a self-signed certificate is not trusted unless told
        assert exchange.status is None and "CERTIFICATE_VERIFY_FAILED" in (exchange.error or "")
    else:
        assert exchange.status == 201 and exchange.error is None, exchange.error
