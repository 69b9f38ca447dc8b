"""The second set (issue #8.7): legitimate variations a correct suite must call conformant, and
independently written faults, each with the verdict a correct suite must give.

Both wrap the reference server with one rewrite, as ``faults.py`` does, but through
``PacedMiddleware`` so that a rewrite can also pace, chunk or cut its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from . import _faults_independent as ind
from . import _variations_http as http
from . import _variations_sse as sse
from ._asgi import ASGIApp
from ._paced import AnyHandler, PacedMiddleware
from .faults import FAULTS

__all__ = ["NEW_FAULTS", "VARIATIONS", "NewFault", "Variation", "build_second_set_app"]

Target = Literal["vlmrun", "openai"]


@dataclass(frozen=True)
class Variation:
    """A legal difference from the reference server, and what makes it legal."""

    name: str
    description: str
    why_legal: str
    make: Callable[[], AnyHandler]


@dataclass(frozen=True)
class NewFault:
    """A fault and the verdict a correct suite gives on it.

    ``expect`` is "fail" (the run is not conformant and one of ``clauses`` fails) or
    "not-judged" (the first of ``clauses`` is neither passed nor failed; the run is inconclusive,
    never conformant). ``legit_under`` names the targets for which it is no fault at all.
    """

    name: str
    clauses: tuple[str, ...]
    expect: Literal["fail", "not-judged"]
    description: str
    make: Callable[[], AnyHandler]
    legit_under: tuple[Target, ...] = ()

    @property
    def clause(self) -> str:
        """The clause that must carry the verdict."""
        return self.clauses[0]


def _v(name: str, description: str, why: str, handler: AnyHandler) -> Variation:
    return Variation(name, description, why, lambda: handler)


def _f(name: str, clauses: str, description: str, handler: AnyHandler) -> NewFault:
    return NewFault(name, tuple(clauses.split()), "fail", description, lambda: handler)


VARIATIONS: dict[str, Variation] = {
    v.name: v
    for v in (
        _v("status-200", "200 instead of 201", "overlay 010 documents 200", http.status_200),
        _v(
            "json-charset",
            "application/json; charset=utf-8",
            "RFC 9110 media-type parameters",
            http.json_charset,
        ),
        _v(
            "json-chunked",
            "JSON sent chunked, no Content-Length",
            "RFC 9112 §7.1",
            http.json_chunked,
        ),
        _v(
            "json-gzip",
            "Content-Encoding: gzip when accepted",
            "RFC 9110 §8.4, the client sent Accept-Encoding: gzip",
            http.json_gzip,
        ),
        _v(
            "connection-close",
            "Connection: close on every answer",
            "RFC 9112 §9.6",
            http.connection_close,
        ),
        Variation(
            "slow-first-byte",
            "every 16th chat request: 2.5 s to first byte",
            "within the 10 s deadline",
            http.slow_first_byte,
        ),
        _v(
            "extra-headers",
            "x-request-id, openai-processing-ms, rate-limit headers",
            "headers not in the spec are allowed",
            http.extra_headers,
        ),
        _v(
            "extra-fields",
            "vLLM/llama.cpp/OpenAI extra fields everywhere",
            "the bundle's objects are open (no additionalProperties: false)",
            http.extra_fields,
        ),
        _v(
            "openai-nulls",
            "system_fingerprint, service_tier, logprobs/refusal null, annotations []",
            "overlay 010 lists them (nullable) or leaves objects open",
            http.openai_nulls,
        ),
        _v(
            "field-order",
            "every JSON object's keys in reverse order",
            "RFC 8259: object members are unordered",
            http.field_order,
        ),
        _v(
            "json-pretty",
            "indented, ASCII-escaped JSON",
            "RFC 8259: insignificant whitespace, \\u escapes",
            http.json_pretty,
        ),
        _v(
            "id-uuid",
            "completion id a bare UUID-like string",
            "id is any non-empty string",
            http.id_uuid,
        ),
        _v(
            "model-resolved",
            "`model` names a dated snapshot of the requested model",
            "model is any string (OpenAI does this)",
            http.model_resolved,
        ),
        _v(
            "sse-comments",
            "`: comment` lines, keep-alive comments",
            "WHATWG event-stream: lines starting with ':' are ignored",
            sse.sse_comments,
        ),
        _v("sse-crlf", "CRLF line ends", "WHATWG: CRLF, LF or CR end a line", sse.sse_crlf),
        _v("sse-cr", "bare CR line ends", "WHATWG: CRLF, LF or CR end a line", sse.sse_cr),
        _v(
            "sse-id-retry",
            "`id:` and `retry: 3000` on every event",
            "WHATWG fields; overlay 010 lists id and retry",
            sse.sse_id_retry,
        ),
        _v(
            "sse-no-space",
            "`data:{...}` without the optional space",
            "WHATWG: one leading space is optional",
            sse.sse_no_space,
        ),
        _v(
            "sse-multiline-data",
            "each chunk's JSON over several `data:` lines",
            "WHATWG: data lines join with LF",
            sse.sse_multiline_data,
        ),
        _v(
            "sse-split-writes",
            "the stream in 7-byte writes, UTF-8 split",
            "transport chunking carries no meaning",
            sse.sse_split_writes,
        ),
        _v(
            "sse-paced",
            "events up to 60 ms apart (2 s a stream) with keep-alive comments",
            "within the deadline; comments ignored",
            sse.sse_paced,
        ),
        _v(
            "sse-usage-chunk",
            "usage: null per chunk, then a `choices: []` usage chunk",
            "OpenAI stream_options.include_usage; chunk choices may be empty",
            sse.sse_usage_chunk,
        ),
        _v(
            "sse-finish-on-last-delta",
            "finish_reason on the last content delta",
            "still one finish_reason per choice",
            sse.sse_finish_on_last_delta,
        ),
        _v(
            "sse-role-every-delta",
            "role 'assistant' in every delta (Ollama)",
            "the first delta carries the role; later ones may",
            sse.sse_role_every_delta,
        ),
        _v(
            "sse-empty-choices-first",
            "Azure's opening `choices: []` chunk, empty deltas",
            "chunk choices may be empty; content '' is a string",
            sse.sse_empty_choices_first,
        ),
        _v(
            "sse-interleaved-choices",
            "n > 1: choices streamed highest index first",
            "each choice's deltas stay in order",
            sse.sse_interleaved_choices,
        ),
    )
}

NEW_FAULTS: dict[str, NewFault] = {
    f.name: f
    for f in (
        _f(
            "always-sse",
            "response-schema stream-framing",
            "stream:false answered with text/event-stream",
            ind.always_sse,
        ),
        _f(
            "stream-ignored",
            "stream-framing response-schema",
            "stream:true answered with one application/json completion",
            ind.stream_ignored,
        ),
        NewFault(
            "format-prose-length",
            ("response-format",),
            "not-judged",
            "response_format answered with prose cut by finish_reason length",
            lambda: ind.format_prose_length,
        ),
        _f(
            "format-fenced-json",
            "response-format",
            "JSON replies wrapped in a ```json fence",
            ind.format_fenced_json,
        ),
        NewFault(
            "stream-cut-on-concurrent",
            ("stream-consistency", "stream-framing", "stream-equivalence"),
            "fail",
            "a running stream ends early when another request arrives (llama-cpp-python)",
            ind.stream_cut_on_concurrent,
        ),
        _f(
            "sse-named-event",
            "stream-framing",
            "chunks sent as `event: chunk`",
            ind.sse_named_event,
        ),
        _f(
            "stream-no-done-chunked",
            "stream-framing",
            "clean chunked close without [DONE] (transformers serve)",
            ind.stream_no_done_chunked,
        ),
        NewFault(
            "500-sometimes",
            ("response-schema", "validation-accepts"),
            "fail",
            "every 5th valid chat request: 500 text/plain",
            ind.server_error_sometimes,
        ),
        _f("n-capped", "n-choices", "n above 2 silently served as 2", ind.n_capped),
        _f(
            "unknown-field-422-string",
            "extensions",
            "unknown fields: 422 with a string detail (transformers serve)",
            ind.unknown_field_422_string,
        ),
        NewFault(
            "invalid-400-openai-error",
            ("validation-rejects",),
            "fail",
            "invalid input: 400 + OpenAI error body",
            lambda: ind.invalid_400_openai_error,
            legit_under=("openai",),
        ),
        _f(
            "invalid-body-401",
            "validation-rejects",
            "invalid body answered 401 despite a valid token",
            ind.invalid_body_401,
        ),
        _f(
            "gzip-unlabelled",
            "response-schema",
            "gzip body without Content-Encoding",
            ind.gzip_unlabelled,
        ),
    )
}

_CLASH = (set(VARIATIONS) | set(NEW_FAULTS)) & set(FAULTS) | set(VARIATIONS) & set(NEW_FAULTS)
assert not _CLASH, f"server names must be unique across registries: {_CLASH}"


def build_second_set_app(name: str, *, api_keys: Sequence[str] = ()) -> ASGIApp:
    """The reference server with variation or new fault ``name``."""
    from vlmspec import refserver

    entry = VARIATIONS.get(name) or NEW_FAULTS[name]
    return PacedMiddleware(refserver.create_app(api_keys=api_keys), entry.make())
