"""The generated models, server and client with their bundle, and a fake service, for tests."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from vlmspec import codegen

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "spec" / "openapi.yaml"
CHAT = "/v1/openai/chat/completions"


class StubPackage(NamedTuple):
    document: dict[str, Any]
    ir: codegen.ApiIR
    models: ModuleType
    server: ModuleType
    client: ModuleType


def generated_package() -> StubPackage:
    """The committed `generated` package (refresh it with `vlmspec generate`) and its bundle."""
    document = codegen.load_spec(BUNDLE)
    assert not isinstance(document, codegen.SpecError), document
    modules = [
        importlib.import_module(f"vlmspec.generated.{m}") for m in ("models", "server", "client")
    ]
    return StubPackage(document, codegen.build_ir(document), *modules)


class FakeService:
    """Records calls; answers with a completion, or chunks when the body asks to stream."""

    def __init__(self, stub: StubPackage) -> None:
        self.m = stub.models
        self.calls: list[tuple[Any, Any]] = []
        self.error: Exception | None = None  # raised by chat_completions
        self.chunks = 3
        self.stream_error: Exception | None = None  # raised by the stream after its chunks

    def chunk(self, index: int) -> Any:
        delta = self.m.ChatCompletionChunkDelta(content=f"part {index}")
        choice = self.m.ChatCompletionChunkChoice(index=0, delta=delta)
        return self.m.ChatCompletionChunk(
            id="c1", object="chat.completion.chunk", created=1, model="m", choices=[choice]
        )

    def completion(self) -> Any:
        message = self.m.ChatCompletionMessage(role="assistant", content="hi")
        choice = self.m.ChatCompletionChoice(index=0, message=message, finish_reason="stop")
        usage = self.m.CompletionUsage(prompt_tokens=1, completion_tokens=2, total_tokens=3)
        return self.m.ChatCompletion(
            id="c1", object="chat.completion", created=1, model="m", choices=[choice], usage=usage
        )

    async def chat_completions(self, body: Any, context: Any) -> Any:
        self.calls.append((body, context))
        if self.error is not None:
            raise self.error
        if body.stream is True:
            return self._stream()
        return self.completion()

    async def _stream(self) -> AsyncIterator[Any]:
        for index in range(self.chunks):
            yield self.chunk(index)
        if self.stream_error is not None:
            raise self.stream_error

    async def health(self, context: Any) -> Any:
        return self.m.HealthStatus(status="ok")
