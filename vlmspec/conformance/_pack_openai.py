"""The OpenAI pack: OpenAI's Chat Completions contract (streaming, n, usage, response_format,
bearer auth), which any OpenAI-compatible server claims."""

from __future__ import annotations

from . import _probes_core as core
from . import _probes_rules as rules
from . import _properties as props
from ._clauses import Clause
from ._packs import Pack, Task

_UPSTREAM = "upstream spec/upstream/vlmrun-chat-completions.openapi.yaml"
_BODY = "#/components/schemas/AgentChatCompletionsRequest/properties"

PACK = Pack(
    name="openai",
    clauses=(
        Clause(
            "stream-framing",
            "SSE framing, chunk schema, terminated by data: [DONE]",
            contract="overlay 010-responses.yaml text/event-stream: ChatCompletionStreamEvent "
            "(OpenAI's streaming format: `data:` chunks, `data: [DONE]` last)",
        ),
        Clause(
            "stream-consistency",
            "One id across chunks, role first, one finish_reason per choice",
            contract="semantic rule chunk-sequence: OpenAI's chat.completion.chunk stream (one "
            "id, the first delta carries the role, each choice finishes once)",
        ),
        Clause(
            "stream-equivalence",
            "Reassembled stream equals the non-stream reply (deterministic)",
            deterministic=True,
            contract="semantic rule stream-equals-reply: streaming changes the framing, not the "
            "content (judged on targets declared deterministic)",
        ),
        Clause(
            "n-choices",
            "Exactly n choices with indexes 0..n-1",
            contract=f"{_UPSTREAM} {_BODY}/n + overlay 040-limits.yaml (maximum)",
        ),
        Clause(
            "usage",
            "usage.total_tokens = prompt_tokens + completion_tokens",
            contract="semantic rule usage-sum: OpenAI's CompletionUsage "
            "(total_tokens = prompt_tokens + completion_tokens)",
        ),
        Clause(
            "response-format",
            "JSON content validates against the requested response_format",
            contract=f"{_UPSTREAM} {_BODY}/response_format (seed: json_object and both "
            "json_schema shapes)",
        ),
        Clause(
            "auth-invalid-token",
            "An invalid bearer token gets 401, never guest service",
            auth=True,
            most_checks=2,  # two made-up tokens
            contract="overlay 020-security.yaml: 401 for a bearer token that is not valid",
        ),
        Clause(
            "auth-anonymous",
            "Anonymous requests are served, or get the documented 401/429",
            auth=True,
            most_checks=2,  # one plain, one streamed
            contract="overlay 020-security.yaml: bearer or anonymous; 429 for the guest limit",
        ),
    ),
    checks=(
        (
            "sse-chunks",
            "overlay 010-responses.yaml: ChatCompletionStreamEvent, ChatCompletionChunk",
        ),
        ("vlmspec_stream_chunks", "overlay 010-responses.yaml (our Schemathesis check)"),
        ("chunk-sequence", "semantic rule chunk-sequence (seed: OpenAI streaming)"),
        ("stream-equals-reply", "semantic rule stream-equals-reply"),
        ("usage-sum", "semantic rule usage-sum: total = prompt + completion"),
        ("choice-indexes", f"{_UPSTREAM} {_BODY}/n: n choices indexed 0..n-1"),
        (
            "content-matches-schema",
            f"{_UPSTREAM} {_BODY}/response_format: content is JSON valid against the schema",
        ),
        ("documented-refusal", "overlay 020-security.yaml: 401/429 for a guest"),
    ),
    tasks=(
        Task("choices", ("n-choices", "usage", "response-schema"), core.probe_n),
        Task(
            "stream", ("stream-framing", "stream-consistency", "response-schema"), core.probe_stream
        ),
        Task("invalid-token", ("auth-invalid-token", "response-schema"), rules.probe_invalid_token),
        Task(
            "response-format",
            ("response-format", "response-schema"),
            core.probe_response_format,
        ),
        Task("anonymous", ("auth-anonymous", "response-schema"), rules.probe_anonymous),
        Task("equivalence", ("stream-equivalence",), core.probe_stream_equivalence),
        Task(
            "property-n",
            ("n-choices", "usage", "stream-framing", "response-schema"),
            props.prop_n,
            stage=1,
        ),
        Task(
            "property-equivalence",
            ("stream-equivalence", "response-schema"),
            props.prop_equivalence,
            stage=1,
        ),
        Task(
            "property-format",
            ("response-format", "response-schema"),
            props.prop_response_format,
            stage=1,
        ),
    ),
)
