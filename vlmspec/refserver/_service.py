"""The reference implementation of ``generated.server.ChatCompletionsService``."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from vlmspec.generated.models import (
    AgentChatCompletionsRequest,
    ChatCompletion,
    ChatCompletionChunk,
    HealthStatus,
    JSONModeResponseFormat,
    JSONSchemaResponseFormat,
    JSONSchemaResponseFormatStrict,
    ValidationError,
)
from vlmspec.generated.server import ApiError, RequestContext, RequestValidationFailed

from ._auth import Caller, Gate, Refused
from ._backend import (
    DEFAULT_MODEL,
    Choice,
    Prior,
    Said,
    choices_for,
    json_object_text,
    last_user_text,
    prompt_tokens,
    reply_text,
)
from ._cpu import CpuPool, Overrun
from ._formats import FormatProblem, SchemaAnswers
from ._skills import skill_names, skills_problem
from ._store import SessionFull, Store
from ._tokens import split_tokens

__all__ = ["ReferenceService"]

_TOKENS_PER_DELTA = 4
_INLINE_PROMPT_CHARS = 256 * 1024  # longer prompts are tokenized in a worker process
_HEALTHY = HealthStatus(status="ok")


def _said(body: AgentChatCompletionsRequest) -> list[Said]:
    said: list[Said] = []
    for message in body.messages:
        content = message.content
        if isinstance(content, str):
            said.append(Said(message.role, content))
        elif isinstance(content, list):
            texts = [p.text for p in content if p.type == "text" and isinstance(p.text, str)]
            parts = tuple(p.type for p in content if p.type != "text")
            said.append(Said(message.role, " ".join(texts), parts))
        else:
            said.append(Said(message.role, ""))
    return said


def _invalid(loc: Sequence[str | int], message: str, kind: str) -> RequestValidationFailed:
    error = ValidationError(loc=["body", *loc], msg=message, type=kind)
    return RequestValidationFailed([error])


class ReferenceService:
    """Deterministic completions with sessions, guests, skills and JSON answers."""

    def __init__(self, store: Store, gate: Gate, pool: CpuPool) -> None:
        self.store = store
        self.gate = gate
        self.pool = pool
        self.schemas = SchemaAnswers(pool)

    async def health(self, context: RequestContext) -> HealthStatus:
        """Liveness: always ok while serving."""
        return _HEALTHY

    async def chat_completions(
        self, body: AgentChatCompletionsRequest, context: RequestContext
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        """Answer one chat completion request (JSON or a stream of chunks)."""
        caller = self._admit(context)
        skills = body.skills if isinstance(body.skills, list) else []
        skill_dicts = [s.model_dump(by_alias=True) for s in skills]
        await self._check_skills(skill_dicts)
        json_text = await self._json_answer(body)
        said = _said(body)
        prompt = await self._prompt_tokens(said)
        try:
            self.gate.count(caller)  # only valid chats count
        except Refused as refused:
            raise ApiError(refused.status_code, refused.detail, refused.headers) from None

        model = body.model if isinstance(body.model, str) else DEFAULT_MODEL
        n = body.n if isinstance(body.n, int) else 1
        names = skill_names(skill_dicts)

        def build(prior: Prior) -> list[Choice]:
            text = reply_text(said, model, prior, names)
            if json_text is not None:
                text = json_text if json_text != "" else json_object_text(text, model)
            return choices_for(text, n, body.max_tokens, body.temperature, json_text is not None)

        if isinstance(body.session_id, str):
            try:
                choices = await self.store.append_turn(
                    caller.owner,
                    body.session_id,
                    last_user_text(said),
                    build,
                    lambda made: made[0].content,
                )
            except SessionFull as full:
                raise _invalid(["session_id"], full.message, "value_error.session_full") from None
        else:
            choices = build(Prior())
        ident = f"chatcmpl-{os.urandom(12).hex()}"
        created = int(time.time())
        if body.stream:
            extra = body.model_extra or {}
            options = extra.get("stream_options")
            usage = isinstance(options, dict) and options.get("include_usage") is True
            return _chunks(ident, created, model, choices, prompt if usage else None)
        return ChatCompletion.model_validate(
            {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": c.content},
                        "finish_reason": c.finish_reason,
                    }
                    for i, c in enumerate(choices)
                ],
                "usage": _usage(prompt, choices),
            }
        )

    def _admit(self, context: RequestContext) -> Caller:
        try:
            return self.gate.identify(
                context.authorization, context.bearer_token, context.headers, context.client_host
            )
        except Refused as refused:
            raise ApiError(refused.status_code, refused.detail, refused.headers) from None

    async def _check_skills(self, skills: list[dict[str, Any]]) -> None:
        if not any(skill.get("type") == "inline" for skill in skills):
            return
        try:
            found = await self.pool.run(skills_problem, skills)
        except Overrun:
            found = ["skills"], "inspecting the inline skill bundles exceeded the time limit"
        if found is not None:
            raise _invalid(found[0], found[1], "value_error.skill")

    async def _prompt_tokens(self, said: list[Said]) -> int:
        if sum(len(m.text) for m in said) <= _INLINE_PROMPT_CHARS:
            return prompt_tokens(said)
        try:
            return await self.pool.run(prompt_tokens, said)
        except Overrun:
            message = "the prompt is too long to read in time"
            raise _invalid(["messages"], message, "value_error") from None

    async def _json_answer(self, body: AgentChatCompletionsRequest) -> str | None:
        # None: plain text; "": a json_object answer; else the JSON text for the schema.
        fmt = body.response_format
        if isinstance(fmt, JSONModeResponseFormat):
            return ""
        if isinstance(fmt, JSONSchemaResponseFormat):
            schema: Any = fmt.schema_
            where = "schema"
        elif isinstance(fmt, JSONSchemaResponseFormatStrict):
            schema, where = fmt.json_schema, "json_schema"
        else:
            return None
        try:
            return await self.schemas.answer(schema)
        except FormatProblem as problem:
            loc = ["response_format", where, *problem.path]
            raise _invalid(loc, problem.message, "value_error.json_schema") from None


def _usage(prompt: int, choices: Sequence[Choice]) -> dict[str, int]:
    completion = sum(c.completion_tokens for c in choices)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _chunk(ident: str, created: int, model: str, choices: list[Any], **extra: Any) -> Any:
    return ChatCompletionChunk.model_validate(
        {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choices,
            **extra,
        }
    )


async def _chunks(
    ident: str, created: int, model: str, choices: list[Choice], prompt: int | None
) -> AsyncIterator[ChatCompletionChunk]:
    for index, choice in enumerate(choices):
        first = {"index": index, "delta": {"role": "assistant", "content": ""}}
        yield _chunk(ident, created, model, [first])
        for piece in split_tokens(choice.content, _TOKENS_PER_DELTA):
            yield _chunk(ident, created, model, [{"index": index, "delta": {"content": piece}}])
        last = {"index": index, "delta": {}, "finish_reason": choice.finish_reason}
        yield _chunk(ident, created, model, [last])
    if prompt is not None:
        yield _chunk(ident, created, model, [], usage=_usage(prompt, choices))
