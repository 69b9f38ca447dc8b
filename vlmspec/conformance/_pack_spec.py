"""The spec pack: what any bundle can judge by itself, on every operation it declares."""

from __future__ import annotations

from . import _probes_rules as rules
from ._clauses import Clause
from ._packs import Pack, Task

_CHAT = "bundle #/paths/<chat path>/post"

PACK = Pack(
    name="spec",
    clauses=(
        Clause(
            "response-schema",
            "Every response: documented status, content type and schema",
            contract=f"{_CHAT}/responses (overlays 010-responses, 020-security, "
            "030-validation-error); the media type follows the request's `stream` flag "
            "(OpenAI's contract)",
        ),
        Clause(
            "validation-rejects",
            "Invalid bodies get 422 with a loc naming the broken field",
            contract=f"{_CHAT}/requestBody + overlay 030-validation-error.yaml "
            "(HTTPValidationError.detail[].loc)",
        ),
        Clause(
            "validation-accepts",
            "Valid bodies are accepted (or a documented limit/auth answer)",
            contract=f"{_CHAT}/requestBody and its examples (overlay 060-examples.yaml)",
        ),
    ),
    checks=(
        (
            "documented-response",
            f"{_CHAT}/responses: status, content type and schema as documented; served replies "
            "`application/json` unless the request says `stream: true` (then "
            "`text/event-stream`), as OpenAI's SDK parses them",
        ),
        (
            "rejects-invalid",
            "overlay 030-validation-error.yaml: 422 with detail[].loc naming the field "
            "(with --target openai also OpenAI's 400 + {error: {message}})",
        ),
        ("served", f"{_CHAT}/requestBody: a valid body is answered 200/201"),
        (
            "semantic-422",
            f"{_CHAT}/responses/422: content the schema cannot constrain (a JSON Schema, a zip) "
            "may be refused naming its field",
        ),
        (
            "connection-after-answer",
            "HTTP/1.1 (RFC 9112 §9): a server must not leave a persistent connection unusable "
            "after an answer",
        ),
        (
            "schemathesis:status_code_conformance",
            f"{_CHAT}/responses (Schemathesis' built-in check)",
        ),
        (
            "schemathesis:content_type_conformance",
            f"{_CHAT}/responses/*/content (Schemathesis' built-in check)",
        ),
        (
            "schemathesis:response_schema_conformance",
            f"{_CHAT}/responses/*/content/*/schema (Schemathesis' built-in check)",
        ),
    ),
    tasks=(
        Task("rejects", ("validation-rejects", "response-schema"), rules.probe_rejects),
        Task("accepts", ("validation-accepts", "response-schema"), rules.probe_accepts),
    ),
)
