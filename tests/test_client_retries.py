"""Retries of the rendered client: 429/5xx and refused connections, Retry-After, backoff cap."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from tests._stub_package import StubPackage, generated_package

OK = {"status": "ok"}


@pytest.fixture(scope="module")
def stub() -> StubPackage:
    return generated_package()


class Script:
    """A transport answering from a list, recording every attempt."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.attempts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(stub: StubPackage, script: Script, sleeps: list[float], **kwargs: Any) -> Any:
    return stub.client.Client(
        "http://x", transport=httpx.MockTransport(script), sleep=sleeps.append, **kwargs
    )


def limited(retry_after: str | None = None, status: int = 429) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, json={"detail": "slow down"}, headers=headers)


def test_429_is_retried_after_the_seconds_the_server_asks(stub: StubPackage) -> None:
    script = Script(limited("3"), limited("0.5"), httpx.Response(200, json=OK))
    sleeps: list[float] = []
    assert client(stub, script, sleeps).health().status == "ok"
    assert (script.attempts, sleeps) == (3, [3.0, 0.5])


def test_retry_after_as_http_date(stub: StubPackage) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    script = Script(limited(later), limited(earlier), httpx.Response(200, json=OK))
    sleeps: list[float] = []
    client(stub, script, sleeps).health()
    assert 20 < sleeps[0] <= 30  # seconds until the date (the test runs in well under 10 s)
    assert sleeps[1] == 0.0  # a date in the past: retry at once


def test_retry_after_is_capped(stub: StubPackage) -> None:
    script = Script(limited("3600"), httpx.Response(200, json=OK))
    sleeps: list[float] = []
    client(stub, script, sleeps, max_retry_delay=5.0).health()
    assert sleeps == [5.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_without_retry_after_backs_off_exponentially(stub: StubPackage, status: int) -> None:
    script = Script(*(limited(None, status) for _ in range(3)), httpx.Response(200, json=OK))
    sleeps: list[float] = []
    client(stub, script, sleeps, max_retries=3).health()
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps):
        base = 0.5 * 2**attempt
        assert 0.75 * base <= delay <= base  # jittered below the doubling delay


def test_unparseable_retry_after_falls_back_to_backoff(stub: StubPackage) -> None:
    script = Script(limited("soon"), httpx.Response(200, json=OK))
    sleeps: list[float] = []
    client(stub, script, sleeps).health()
    assert 0.375 <= sleeps[0] <= 0.5


def test_retries_run_out_into_the_typed_error(stub: StubPackage) -> None:
    script = Script(*(limited("1") for _ in range(3)))
    sleeps: list[float] = []
    with pytest.raises(stub.client.RateLimitError) as caught:
        client(stub, script, sleeps, max_retries=2).chat_completions(
            stub.models.AgentChatCompletionsRequest(messages=[])
        )
    assert (script.attempts, sleeps) == (3, [1.0, 1.0])
    assert caught.value.body == stub.models.ErrorResponse({"detail": "slow down"})
    assert caught.value.headers["retry-after"] == "1"


@pytest.mark.parametrize("status", [400, 401, 404, 413, 422, 501])
def test_other_statuses_are_not_retried(stub: StubPackage, status: int) -> None:
    script = Script(limited("1", status))
    sleeps: list[float] = []
    with pytest.raises(stub.client.ApiError) as caught:
        client(stub, script, sleeps).health()
    assert (caught.value.status_code, script.attempts, sleeps) == (status, 1, [])


def test_refused_connection_is_retried_then_reported(stub: StubPackage) -> None:
    refused = httpx.ConnectError("connection refused")
    script = Script(refused, httpx.Response(200, json=OK))
    sleeps: list[float] = []
    assert client(stub, script, sleeps).health().status == "ok"
    assert len(sleeps) == 1
    script = Script(refused, refused, refused)
    with pytest.raises(stub.client.ApiConnectionError, match="refused"):
        client(stub, script, sleeps).health()
    assert (script.attempts, len(sleeps)) == (3, 3)


def test_read_timeout_is_not_retried(stub: StubPackage) -> None:
    # The request may have been processed: repeating a POST could bill the user twice.
    script = Script(httpx.ReadTimeout("slow"))
    sleeps: list[float] = []
    with pytest.raises(stub.client.ApiTimeoutError):
        client(stub, script, sleeps).health()
    assert script.attempts == 1


def test_streams_are_retried_before_the_first_chunk(stub: StubPackage) -> None:
    sse = {"content-type": "text/event-stream"}
    script = Script(limited("2"), httpx.Response(201, text="data: [DONE]\n\n", headers=sse))
    sleeps: list[float] = []
    request = stub.models.AgentChatCompletionsRequest(messages=[])
    assert list(client(stub, script, sleeps).chat_completions_stream(request)) == []
    assert sleeps == [2.0]


def test_async_client_retries_with_its_async_sleep(stub: StubPackage) -> None:
    script = Script(limited("4"), httpx.Response(200, json=OK))
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def run() -> Any:
        transport = httpx.MockTransport(script)
        async with stub.client.AsyncClient("http://x", transport=transport, sleep=fake_sleep) as c:
            return await c.health()

    assert asyncio.run(run()).status == "ok"
    assert sleeps == [4.0]
