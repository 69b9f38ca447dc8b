"""The rendered client against the rendered app (in-process) and against canned answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
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


def async_client(stub: StubPackage, service: FakeService, **kwargs: Any) -> Any:
    transport = httpx.ASGITransport(stub.server.create_app(service))
    return stub.client.AsyncClient("http://stub", transport=transport, **kwargs)


def request(stub: StubPackage, **fields: Any) -> Any:
    fields.setdefault("messages", [{"role": "user", "content": "hi"}])
    return stub.models.AgentChatCompletionsRequest.model_validate(fields)


def test_completion_is_parsed_into_the_model(stub: StubPackage, service: FakeService) -> None:
    async def run() -> Any:
        async with async_client(stub, service, token="sk-9") as client:
            return await client.chat_completions(request(stub), x_browser_id="b-7")

    completion = asyncio.run(run())
    assert isinstance(completion, stub.models.ChatCompletion)
    assert completion == service.completion()
    [(body, context)] = service.calls
    assert body == request(stub)
    assert context.bearer_token == "sk-9"
    assert context.headers["x-browser-id"] == "b-7"


def test_non_stream_method_never_asks_for_a_stream(stub: StubPackage, service: FakeService) -> None:
    async def run() -> Any:
        async with async_client(stub, service) as client:
            return await client.chat_completions(request(stub, stream=True))

    assert isinstance(asyncio.run(run()), stub.models.ChatCompletion)
    assert service.calls[0][0].stream is False


def test_stream_yields_chunk_models_until_the_terminator(
    stub: StubPackage, service: FakeService
) -> None:
    async def run() -> list[Any]:
        async with async_client(stub, service) as client:
            return [chunk async for chunk in client.chat_completions_stream(request(stub))]

    chunks = asyncio.run(run())
    assert chunks == [service.chunk(i) for i in range(3)]
    assert service.calls[0][0].stream is True


def test_stream_without_terminator_raises(stub: StubPackage, service: FakeService) -> None:
    service.stream_error = RuntimeError("boom")
    received: list[Any] = []

    async def run() -> None:
        async with async_client(stub, service) as client:
            async for chunk in client.chat_completions_stream(request(stub)):
                received.append(chunk)

    with pytest.raises(stub.client.StreamTerminatedError, match=r"\[DONE\]"):
        asyncio.run(run())
    assert len(received) == 3


def test_health(stub: StubPackage, service: FakeService) -> None:
    async def run() -> Any:
        async with async_client(stub, service) as client:
            return await client.health()

    assert asyncio.run(run()) == stub.models.HealthStatus(status="ok")


@pytest.mark.parametrize("streaming", [False, True])
def test_api_error_carries_status_parsed_body_and_headers(
    stub: StubPackage, service: FakeService, streaming: bool
) -> None:
    service.error = stub.server.ApiError(401, "Invalid token", {"WWW-Authenticate": "Bearer"})

    async def run() -> None:
        async with async_client(stub, service, max_retries=0) as client:
            if streaming:
                [_ async for _ in client.chat_completions_stream(request(stub))]
            else:
                await client.chat_completions(request(stub))

    with pytest.raises(stub.client.AuthenticationError) as caught:
        asyncio.run(run())
    error = caught.value
    assert isinstance(error, stub.client.ApiError)
    assert error.status_code == 401
    assert error.body == stub.models.ErrorResponse({"detail": "Invalid token"})
    assert error.headers["www-authenticate"] == "Bearer"
    assert "401" in str(error) and CHAT in str(error)


def test_422_carries_the_validation_error_model(stub: StubPackage, service: FakeService) -> None:
    item = stub.models.ValidationError(loc=["body", "model"], msg="unknown", type="value")
    service.error = stub.server.RequestValidationFailed([item])

    async def run() -> None:
        async with async_client(stub, service) as client:
            await client.chat_completions(request(stub))

    with pytest.raises(stub.client.UnprocessableEntityError) as caught:
        asyncio.run(run())
    assert caught.value.body == stub.models.HTTPValidationError(detail=[item])


def canned(
    stub: StubPackage, handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
) -> Any:
    return stub.client.Client("http://canned", transport=httpx.MockTransport(handler), **kwargs)


def test_unparseable_error_body_is_kept_as_text(stub: StubPackage) -> None:
    client = canned(stub, lambda r: httpx.Response(413, text="<html>too big</html>"))
    with pytest.raises(stub.client.PayloadTooLargeError) as caught:
        client.chat_completions(request(stub))
    assert caught.value.body == "<html>too big</html>"


def test_undocumented_status_is_a_plain_api_error(stub: StubPackage) -> None:
    client = canned(stub, lambda r: httpx.Response(418, json={"detail": "teapot"}))
    with pytest.raises(stub.client.ApiError) as caught:
        client.health()
    assert type(caught.value) is stub.client.ApiError
    assert (caught.value.status_code, caught.value.body) == (418, '{"detail":"teapot"}')


def test_success_body_that_is_not_the_model_is_unexpected(stub: StubPackage) -> None:
    client = canned(stub, lambda r: httpx.Response(200, json={"status": "down"}))
    with pytest.raises(stub.client.UnexpectedResponseError):
        client.health()


def test_stream_answered_with_json_is_unexpected(stub: StubPackage) -> None:
    client = canned(stub, lambda r: httpx.Response(201, json={"id": "x"}))
    with pytest.raises(stub.client.UnexpectedResponseError, match="text/event-stream"):
        list(client.chat_completions_stream(request(stub)))


def test_sync_stream_and_request_shape(stub: StubPackage, service: FakeService) -> None:
    seen: list[httpx.Request] = []
    frames = "".join(f"data: {service.chunk(i).model_dump_json()}\n\n" for i in range(2))

    def handler(sent: httpx.Request) -> httpx.Response:
        seen.append(sent)
        body = frames + "data: [DONE]\n\n" + "data: not even json\n\n"  # after the end: unread
        return httpx.Response(201, text=body, headers={"content-type": "text/event-stream"})

    client = canned(stub, handler, token="sk-1")
    chunks = list(client.chat_completions_stream(request(stub), user_agent="ua/1"))
    assert chunks == [service.chunk(0), service.chunk(1)]
    [sent] = seen
    assert (sent.method, sent.url.path) == ("POST", CHAT)
    assert sent.headers["authorization"] == "Bearer sk-1"
    assert sent.headers["user-agent"] == "ua/1"
    assert sent.headers["accept"] == "text/event-stream"
    assert "x-browser-id" not in sent.headers
    assert json.loads(sent.content) == {
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }


def test_bad_chunk_is_unexpected(stub: StubPackage) -> None:
    text = 'data: {"id": ""}\n\n'
    client = canned(
        stub,
        lambda r: httpx.Response(201, text=text, headers={"content-type": "text/event-stream"}),
    )
    with pytest.raises(stub.client.UnexpectedResponseError, match="chunk"):
        list(client.chat_completions_stream(request(stub)))


def test_base_url_with_a_prefix_keeps_it(stub: StubPackage) -> None:
    seen: list[str] = []

    def handler(sent: httpx.Request) -> httpx.Response:
        seen.append(str(sent.url))
        return httpx.Response(200, json={"status": "ok"})

    client = stub.client.Client("http://h:1/root", transport=httpx.MockTransport(handler))
    client.health()
    assert seen == ["http://h:1/root/v1/health"]
