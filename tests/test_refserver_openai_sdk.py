"""The official `openai` SDK, unmodified, against the reference server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests._refserver import RunningServer, serving

KEY = "sdk-key"
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Who are you and what can you do?"}
]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serving([KEY]) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.openai_base, api_key=KEY, max_retries=0) as sdk:
        yield sdk


def test_sync_completion(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="vlmrun-orion-1:auto",
        messages=MESSAGES,
        temperature=0,
    )
    assert completion.model == "vlmrun-orion-1:auto"
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    assert "Who are you and what can you do?" in (choice.message.content or "")
    assert completion.usage is not None
    assert (
        completion.usage.total_tokens
        == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_n_choices_and_length(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="vlmrun-orion-2",
        messages=MESSAGES,
        n=4,
        max_tokens=5,
    )
    assert [c.index for c in completion.choices] == [0, 1, 2, 3]
    assert {c.finish_reason for c in completion.choices} == {"length"}


def test_streaming_equals_non_streaming(client: openai.OpenAI) -> None:
    plain = client.chat.completions.create(model="m", messages=MESSAGES, n=2)
    stream = client.chat.completions.create(model="m", messages=MESSAGES, n=2, stream=True)
    texts: dict[int, str] = {}
    finishes: dict[int, str | None] = {}
    ids = set()
    for chunk in stream:
        ids.add(chunk.id)
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finishes[choice.index] = choice.finish_reason
    assert len(ids) == 1
    assert texts == {c.index: c.message.content for c in plain.choices}
    assert finishes == {0: "stop", 1: "stop"}


def test_async_client(server: RunningServer) -> None:
    async def run() -> tuple[str | None, str]:
        async with openai.AsyncOpenAI(base_url=server.openai_base, api_key=KEY) as sdk:
            completion = await sdk.chat.completions.create(model="m", messages=MESSAGES)
            stream = await sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            return completion.choices[0].message.content, text

    plain, streamed = asyncio.run(run())
    assert plain == streamed


def test_json_schema_vendor_shapes(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "required": ["name", "hex"],
        "properties": {
            "name": {"type": "string"},
            "hex": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
        },
    }
    strict = {"type": "json_schema", "name": "colour", "strict": True, "json_schema": schema}
    flat = {"type": "json_schema", "schema": schema}
    fmt: Any  # the vendor's shapes are not the SDK's typed ones
    for fmt in (strict, flat):
        completion = client.chat.completions.create(
            model="m",
            messages=MESSAGES,
            response_format=fmt,
        )
        jsonschema.validate(json.loads(completion.choices[0].message.content or ""), schema)
    via_extra = client.chat.completions.create(
        model="m",
        messages=MESSAGES,
        extra_body={"response_format": {"type": "json_object"}},
    )
    assert isinstance(json.loads(via_extra.choices[0].message.content or ""), dict)


def test_extra_body_and_sessions(client: openai.OpenAI) -> None:
    extra = {"session_id": "sdk-session", "vlmrun": {"metadata": {"environment": "dev"}}}
    first = client.chat.completions.create(model="m", messages=MESSAGES, extra_body=extra)
    second = client.chat.completions.create(model="m", messages=MESSAGES, extra_body=extra)
    assert "Turn 1." in (first.choices[0].message.content or "")
    assert "Turn 2." in (second.choices[0].message.content or "")


def test_wrong_key_raises_authentication_error(server: RunningServer) -> None:
    sdk = openai.OpenAI(base_url=server.openai_base, api_key="wrong", max_retries=0)
    with sdk, pytest.raises(openai.AuthenticationError):
        sdk.chat.completions.create(model="m", messages=MESSAGES)


def test_invalid_request_raises_unprocessable(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="m", messages=MESSAGES, n=500)
