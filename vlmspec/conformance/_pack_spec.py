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
    tasks=(
        Task("rejects", ("validation-rejects", "response-schema"), rules.probe_rejects),
        Task("accepts", ("validation-accepts", "response-schema"), rules.probe_accepts),
    ),
)
