"""Known gaps between pydantic and JSON Schema, one case each: spec and models must agree.

Each case states what JSON Schema says, so a spec change that flips a verdict fails here with
a name instead of somewhere in the differential test.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pydantic
import pytest

import vlmspec.generated.models as models
from tests.test_models_fidelity import SCHEMAS, model_verdicts, schema_for

REQUEST = {"messages": [{"role": "user", "content": "hi"}]}
USAGE = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "x"}, "finish_reason": "stop"}
    ],
    "usage": USAGE,
}


def request(**fields: Any) -> dict[str, Any]:
    return {**REQUEST, **fields}


CASES: list[tuple[str, str, Any, bool]] = [
    ("string for a number", "AgentChatCompletionsRequest", request(temperature="0.5"), False),
    ("int for a number", "AgentChatCompletionsRequest", request(temperature=1), True),
    ("true for a number", "AgentChatCompletionsRequest", request(temperature=True), False),
    ("true for an integer", "AgentChatCompletionsRequest", request(max_tokens=True), False),
    ("string for an integer", "AgentChatCompletionsRequest", request(max_tokens="16"), False),
    ("1.0 for an integer", "AgentChatCompletionsRequest", request(max_tokens=16.0), True),
    ("1.5 for an integer", "AgentChatCompletionsRequest", request(max_tokens=1.5), False),
    ("n below range", "AgentChatCompletionsRequest", request(n=0), False),
    ("n above range", "AgentChatCompletionsRequest", request(n=129), False),
    ("n at the top", "AgentChatCompletionsRequest", request(n=128.0), True),
    ("n null", "AgentChatCompletionsRequest", request(n=None), True),
    ("null in a non-nullable field", "AgentChatCompletionsRequest", request(id=None), False),
    ("null for a defaulted field", "AgentChatCompletionsRequest", request(stream=None), False),
    ("model outside the enum", "AgentChatCompletionsRequest", request(model="my-model"), True),
    ("model not a string", "AgentChatCompletionsRequest", request(model=5), False),
    ("extra property", "AgentChatCompletionsRequest", request(vlmrun={"a": 1}), True),
    ("missing required", "AgentChatCompletionsRequest", {"model": "vlmrun-orion-1"}, False),
    ("role outside the enum", "Message", {"role": "robot"}, False),
    ("bool for a string", "Message", {"content": True}, False),
    ("schema by alias", "JSONSchemaResponseFormat", {"schema": {}}, True),
    ("schema_ is not schema", "JSONSchemaResponseFormat", {"schema_": {}}, False),
    ("schema beside schema_", "JSONSchemaResponseFormat", {"schema": {}, "schema_": 1}, True),
    ("const violated", "JSONSchemaResponseFormat", {"schema": {}, "type": "json"}, False),
    ("empty detail", "HTTPValidationError", {"detail": []}, False),
    ("empty loc", "ValidationError", {"loc": [], "msg": "m", "type": "t"}, False),
    ("bool in loc", "ValidationError", {"loc": [True], "msg": "m", "type": "t"}, False),
    ("valid completion", "ChatCompletion", COMPLETION, True),
    ("wrong object const", "ChatCompletion", {**COMPLETION, "object": "x"}, False),
    ("created 0.0", "ChatCompletion", {**COMPLETION, "created": 0.0}, True),
    ("negative usage", "CompletionUsage", {**USAGE, "total_tokens": -1}, False),
    ("content is required", "ChatCompletionMessage", {"role": "assistant"}, False),
    ("content null", "ChatCompletionMessage", {"role": "assistant", "content": None}, True),
    ("enum alias", "FinishReason", "length", True),
    ("outside enum alias", "FinishReason", "done", False),
    ("either error shape", "ErrorResponse", {"error": {"message": "m"}}, True),
    ("neither error shape", "ErrorResponse", {"message": "m"}, False),
    ("empty id", "ChatCompletion", {**COMPLETION, "id": ""}, False),
]


@pytest.mark.parametrize(
    ("name", "instance", "accepted"),
    [pytest.param(name, instance, ok, id=case) for case, name, instance, ok in CASES],
)
def test_trap(name: str, instance: Any, accepted: bool) -> None:
    assert jsonschema.Draft202012Validator(schema_for(name)).is_valid(instance) is accepted
    assert model_verdicts(getattr(models, name), instance) == (accepted, accepted)


def test_integral_float_is_stored_as_int() -> None:
    body = models.AgentChatCompletionsRequest.model_validate_json(json.dumps(request(n=2.0)))
    assert body.n == 2
    assert type(body.n) is int


def test_absent_optional_fields_stay_absent_in_output() -> None:
    body = models.AgentChatCompletionsRequest.model_validate(request())
    dumped = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == REQUEST
    assert "id" not in body.model_dump(mode="json")


def test_enum_components_are_plain_values() -> None:
    completion = models.ChatCompletion.model_validate(COMPLETION)
    assert completion.choices[0].finish_reason == "stop"


def test_no_root_model_per_field() -> None:
    roots = {
        name
        for name, value in vars(models).items()
        if isinstance(value, type) and issubclass(value, pydantic.RootModel) and name.isidentifier()
    } - {"RootModel"}
    assert roots == {"ErrorResponse"}  # a named union of models; no RootModel for a field
    assert roots <= set(SCHEMAS)
