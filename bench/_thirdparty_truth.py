"""What is true of `transformers serve` 5.24 with the tiny model of bench/_tiny_model.py, clause by
clause, established by hand (bench/_thirdparty_evidence.py sends the requests; its answers are
appended to bench/out/thirdparty.md) and from the server's source where behaviour is by design.

Truth values: "fail" (the server breaks the clause), "pass" (it honours it), "n/a" (the clause
is outside the declared target's scope: a correct suite must neither pass nor fail it on
evidence it cannot have, and must not let it fail the run).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TRUTH", "Truth", "classify"]

_SRC = "transformers/cli/serving"


@dataclass(frozen=True)
class Truth:
    """The truth of one clause under each target scope, and the evidence for it."""

    vlmrun: str
    openai: str
    evidence: str


TRUTH: dict[str, Truth] = {
    "health": Truth(
        "fail",
        "n/a",
        "GET /v1/health -> 404 {'detail':'Not Found'}; the server's route is GET /health -> 200",
    ),
    "response-schema": Truth(
        "fail",
        "fail",
        "invalid bodies (messages a string, a number as message, max_tokens a string, no "
        "messages) -> 500 text/plain 'Internal Server Error', a status neither contract "
        "documents; unknown fields -> 422 with a string `detail` (HTTPValidationError needs a "
        "list). Valid bodies -> 200 chat.completion with every required field",
    ),
    "stream-framing": Truth(
        "fail",
        "fail",
        "stream:true -> 7 `data:` events, the last one a chunk with finish_reason and usage; "
        "no `data: [DONE]` before the chunked body ends",
    ),
    "stream-consistency": Truth(
        "pass",
        "pass",
        "one id across chunks; first delta {'role':'assistant'}; exactly one finish_reason "
        "('stop') per stream; n is ignored so there is only choice 0",
    ),
    "stream-equivalence": Truth(
        "pass",
        "pass",
        "same body streamed and not at temperature 0: both '{\"ok\": true}' (the tiny model "
        "answers every prompt with it, greedy); requires --deterministic, else not judged",
    ),
    "n-choices": Truth(
        "fail",
        "fail",
        "n: 3 -> 200 with one choice (index 0); `n` is in UNUSED_CHAT_COMPLETION_FIELDS of "
        f"{_SRC}/chat_completion.py: logged as ignored, never refused",
    ),
    "usage": Truth(
        "pass",
        "pass",
        "usage {'completion_tokens':6,'prompt_tokens':22,'total_tokens':28}: total = sum, on "
        "JSON replies and on the last stream chunk",
    ),
    "response-format": Truth(
        "fail",
        "fail",
        "json_schema requiring `name` -> '{\"ok\": true}' with finish_reason 'stop' (a finished "
        "reply that breaks the schema); `response_format` is in UNUSED_CHAT_COMPLETION_FIELDS: "
        "ignored. json_object -> '{\"ok\": true}' is fine; only schemas catch it",
    ),
    "validation-rejects": Truth(
        "fail",
        "fail",
        "malformed bodies (messages a string, a number as message, content 12.5, max_tokens a "
        "string, no messages) -> 500 text/plain; role 'wizard' and n: 0 -> 200 (accepted); "
        "never 422 (VLM Run) nor 400 + error body (OpenAI). After a 500 the server drops the "
        "keep-alive connection (3 of 5 reuses were reset by hand); the engine now blames such a "
        "reset on the 500 that caused it, not on the next request",
    ),
    "validation-accepts": Truth(
        "fail",
        "pass",
        "VLM Run fields (preview, toolsets, models, skills, session_id, vlmrun) -> 422 "
        "'Unexpected fields'; a model other than the pinned one -> 400. OpenAI-valid bodies "
        "(text, image_url parts, OpenAI parameters) -> 200",
    ),
    "auth-invalid-token": Truth(
        "fail",
        "n/a",
        "Authorization: Bearer vlmspec-invalid-token -> 200: the server has no auth at all "
        "(a fault only for a target that claims VLM Run's bearer auth)",
    ),
    "auth-anonymous": Truth(
        "pass",
        "n/a",
        "no Authorization header -> 200",
    ),
    "skills": Truth(
        "fail",
        "n/a",
        "skills: [skill_reference] -> 422 \"Unexpected fields in the request: {'skills'}\"",
    ),
    "extensions": Truth(
        "fail",
        "n/a",
        "vlmrun / toolsets / models / preview -> 422 'Unexpected fields' with a string detail",
    ),
    "session-continuity": Truth(
        "fail",
        "n/a",
        "session_id -> 422 \"Unexpected fields in the request: {'session_id'}\"",
    ),
}


def classify(truth: str, status: str) -> str:
    """Today's clause ``status`` against the ``truth``, as the issue's table wants it."""
    judged = status in ("pass", "fail")
    if truth == "n/a":
        if status == "fail":
            return "false alarm (out of scope)"
        return "true negative (not applicable)" if not judged else "pass (out of scope)"
    if not judged:
        return "not judged" + (" (missed fault)" if truth == "fail" else "")
    if truth == status:
        return "true positive" if truth == "fail" else "true negative"
    return "false alarm" if truth == "pass" else "false pass"
