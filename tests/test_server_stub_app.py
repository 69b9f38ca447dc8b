"""The rendered FastAPI app, driven in-process with a fake service."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests._stub_package import CHAT, FakeService, StubPackage, generated_package


@pytest.fixture(scope="module")
def stub() -> StubPackage:
    return generated_package()


@pytest.fixture
def service(stub: StubPackage) -> FakeService:
    return FakeService(stub)


@pytest.fixture
def client(stub: StubPackage, service: FakeService) -> Iterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(stub.server.create_app(service), client=("10.1.2.3", 4567))
    yield httpx.AsyncClient(transport=transport, base_url="http://stub")


def post(client: httpx.AsyncClient, content: Any, **kwargs: Any) -> httpx.Response:
    return asyncio.run(client.post(CHAT, content=content, **kwargs))


def test_valid_body_reaches_the_service_as_the_model(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    headers = {"Authorization": "Bearer sk-1", "X-Browser-Id": "b-1"}
    response = post(client, b'{"messages": [{"role": "user", "content": "hi"}]}', headers=headers)
    assert response.status_code == 201  # the first documented 2xx, in document order
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(service.completion().model_dump_json())
    [(body, context)] = service.calls
    assert isinstance(body, stub.models.AgentChatCompletionsRequest)
    assert body.messages[0].content == "hi"
    assert (context.bearer_token, context.authorization) == ("sk-1", "Bearer sk-1")
    assert context.headers["x-browser-id"] == "b-1"
    assert context.client_host == "10.1.2.3"


@pytest.mark.parametrize(
    ("authorization", "token"),
    [(None, None), ("Basic dXNlcg==", None), ("Bearer", None), ("bearer  tok ", "tok")],
)
def test_context_bearer_token(
    service: FakeService, client: httpx.AsyncClient, authorization: str | None, token: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    assert post(client, b'{"messages": []}', headers=headers).status_code == 201
    [(_, context)] = service.calls
    assert (context.bearer_token, context.authorization) == (token, authorization)


def test_every_request_example_of_the_spec_is_accepted(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    operation = stub.document["paths"][CHAT]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) >= 10
    for name, example in examples.items():
        response = post(client, json.dumps(example["value"]).encode())
        assert response.status_code == 201, (name, response.text)
        body, _ = service.calls[-1]
        dumped = body.model_dump_json(by_alias=True, exclude_unset=True)
        assert json.loads(dumped) == example["value"], name


_DEEP = b'{"messages": [], "metadata": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001
INVALID = [
    ("empty", b"", ["body"]),
    ("whitespace", b"  \n", ["body"]),
    ("bad utf-8", b"\xff\xfe{", ["body"]),
    ("bad utf-8 in a string", b'{"messages": [{"content": "\xc3\x28"}]}', ["body"]),
    ("truncated", b'{"messages": [', ["body"]),
    ("array", b"[]", ["body"]),
    ("string", b'"hello"', ["body"]),
    ("null", b"null", ["body"]),
    ("NaN", b'{"messages": [], "temperature": NaN}', ["body"]),
    ("Infinity", b'{"messages": [], "temperature": -Infinity}', ["body"]),
    ("100k levels", _DEEP, ["body"]),
    ("huge integer", b'{"messages": [], "max_tokens": 1' + b"0" * 5000 + b"}", ["body"]),
    ("no messages", b"{}", ["body", "messages"]),
    ("messages not a list", b'{"messages": "hi"}', ["body", "messages"]),
    ("bad role", b'{"messages": [{"role": "robot"}]}', ["body", "messages", 0, "role"]),
    ("n below 1", b'{"messages": [], "n": 0}', ["body", "n"]),
    ("n above 128", b'{"messages": [], "n": 129}', ["body", "n"]),
    ("temperature as text", b'{"messages": [], "temperature": "0.5"}', ["body", "temperature"]),
    ("max_tokens as bool", b'{"messages": [], "max_tokens": true}', ["body", "max_tokens"]),
]


@pytest.mark.parametrize(("content", "loc"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_body_is_a_documented_422(
    stub: StubPackage,
    service: FakeService,
    client: httpx.AsyncClient,
    content: bytes,
    loc: list[Any],
) -> None:
    response = post(client, content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    error = stub.models.HTTPValidationError.model_validate_json(response.content)
    assert error.detail[0].loc == loc
    assert len(response.content) < 10_000  # the raw body is never echoed back whole
    assert service.calls == []


def test_header_parameter_is_validated(service: FakeService, client: httpx.AsyncClient) -> None:
    response = post(client, b'{"messages": []}', headers={"x-browser-id": "b" * 257})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "x-browser-id"]
    assert service.calls == []


def _limit(stub: StubPackage) -> int:
    [operation] = [op for op in stub.ir.operations if op.path == CHAT]
    assert operation.body is not None and operation.body.max_bytes is not None
    return operation.body.max_bytes


def test_body_of_exactly_the_limit_is_accepted_one_more_byte_is_413(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    limit = _limit(stub)
    valid = b'{"messages": []}'
    assert post(client, valid + b" " * (limit - len(valid))).status_code == 201
    response = post(client, valid + b" " * (limit - len(valid) + 1))
    assert response.status_code == 413
    assert stub.models.ErrorResponse.model_validate_json(response.content)
    assert len(service.calls) == 1


def test_declared_length_over_the_limit_is_413_before_reading(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    headers = {"content-length": str(_limit(stub) + 1)}
    response = post(client, b'{"messages": []}', headers=headers)
    assert response.status_code == 413
    assert service.calls == []


def test_streamed_body_is_cut_off_at_the_limit_not_buffered(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    mebibyte, pulled = b" " * 2**20, []

    async def body() -> AsyncIterator[bytes]:
        for index in range(200):  # 200 MiB offered; no Content-Length (chunked)
            pulled.append(index)
            yield mebibyte

    response = post(client, body())
    assert response.status_code == 413
    assert len(pulled) <= _limit(stub) // 2**20 + 1
    assert service.calls == []


def test_stream_is_sse_chunks_then_the_terminator(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    response = post(client, b'{"messages": [], "stream": true}')
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/event-stream")
    expected = "".join(f"data: {service.chunk(i).model_dump_json()}\n\n" for i in range(3))
    assert response.text == expected + "data: [DONE]\n\n"


def test_empty_stream_is_just_the_terminator(
    service: FakeService, client: httpx.AsyncClient
) -> None:
    service.chunks = 0
    assert post(client, b'{"messages": [], "stream": true}').text == "data: [DONE]\n\n"


def test_stream_failing_midway_ends_without_terminator(
    service: FakeService, client: httpx.AsyncClient
) -> None:
    service.stream_error = RuntimeError("secret internals")
    response = post(client, b'{"messages": [], "stream": true}')
    assert response.status_code == 201
    assert response.text.count("data: ") == 3
    assert "[DONE]" not in response.text and "secret" not in response.text


def test_api_error_gives_its_status_detail_and_headers(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    service.error = stub.server.ApiError(429, "Daily limit reached", {"Retry-After": "7"})
    for content in (b'{"messages": []}', b'{"messages": [], "stream": true}'):
        response = post(client, content)
        assert response.status_code == 429
        assert response.json() == {"detail": "Daily limit reached"}
        assert response.headers["retry-after"] == "7"


def test_api_error_raised_by_a_stream_before_its_first_chunk_keeps_its_status(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    service.chunks = 0
    service.stream_error = stub.server.ApiError(401, "Invalid token")
    response = post(client, b'{"messages": [], "stream": true}')
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"})


def test_request_validation_failed_is_rendered_as_422(
    stub: StubPackage, service: FakeService, client: httpx.AsyncClient
) -> None:
    item = stub.models.ValidationError(loc=["body", "model"], msg="unknown model", type="value")
    service.error = stub.server.RequestValidationFailed([item])
    response = post(client, b'{"messages": []}')
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"loc": ["body", "model"], "msg": "unknown model", "type": "value"}]
    }


def test_unexpected_exception_is_a_bare_500(
    service: FakeService, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    service.error = KeyError("secret internals")
    response = post(client, b'{"messages": []}')
    assert (response.status_code, response.json()) == (500, {"detail": "internal error"})
    assert "secret internals" in caplog.text  # logged for the operator, not sent


def test_health_and_no_inferred_openapi(client: httpx.AsyncClient) -> None:
    async def get(path: str) -> httpx.Response:
        return await client.get(path)

    health = asyncio.run(get("/v1/health"))
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert asyncio.run(get(path)).status_code == 404


def test_router_can_be_mounted_under_another_app(stub: StubPackage, service: FakeService) -> None:
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(stub.server.create_router(service), prefix="/api")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://stub")
    assert post(client, b"[]").status_code == 404
    response = asyncio.run(client.post("/api" + CHAT, content=b'{"messages": []}'))
    assert response.status_code == 201


def test_the_protocol_names_exactly_the_operations(stub: StubPackage) -> None:
    protocol = stub.server.ChatCompletionsService
    names = {n for n in vars(protocol) if not n.startswith("_")}
    assert names == {"chat_completions", "health"}
