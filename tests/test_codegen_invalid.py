"""A refused request (bad body or parameter) is answered with the status and body documented."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from vlmspec import codegen
from vlmspec.codegen._invalid import MESSAGE, invalid_plan

from ._inline_specs import MESSAGES, TRAIN, generate


def _valid(spec: dict[str, Any], component: str, instance: Any) -> None:
    """``instance`` is valid against the spec's component (JSON Schema's verdict)."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def _send(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.request(method, url, **kwargs)

    return asyncio.run(run())


class Bookings:
    def __init__(self, models: Any) -> None:
        self.m = models

    async def create_booking(self, body: Any, context: Any) -> Any:
        return self.m.Booking(id="b1")

    async def get_bookings(self, context: Any, *, limit: int | None) -> Any:
        return self.m.GetBookings200Response(data=[])


@pytest.fixture(scope="module")
def train(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    return generate(TRAIN, tmp_path_factory.mktemp("train"), "train_invalid")


def test_problem_json_400_for_a_bad_body_and_a_bad_query(train: list[Any]) -> None:
    """Train Travel documents `400 application/problem+json` and no 422."""
    models, server, _ = train
    app = server.create_app(Bookings(models))
    bad_body = _send(app, "POST", "/bookings", json={"trip_id": "t", "passenger_name": 5})
    bad_query = _send(app, "GET", "/bookings", params={"limit": "0"})
    not_json = _send(app, "POST", "/bookings", content=b"{oops")
    for reply in (bad_body, bad_query, not_json):
        assert reply.status_code == 400, reply.text
        assert reply.headers["content-type"] == "application/problem+json"
        _valid(TRAIN, "Problem", reply.json())
        assert reply.json()["status"] == 400
    assert "body.passenger_name" in bad_body.json()["detail"]
    assert "query.limit" in bad_query.json()["detail"]
    ok = _send(app, "POST", "/bookings", json={"trip_id": "t", "passenger_name": "Ada"})
    assert ok.status_code == 201


def test_4xx_error_response_for_a_bad_body(tmp_path: Path) -> None:
    """Anthropic documents `4XX` with `ErrorResponse {type: "error", error: {...}}`."""
    models, server, _ = generate(MESSAGES, tmp_path, "messages_invalid")

    class Messages:
        async def messages_post(self, body: Any, context: Any) -> Any:
            return models.Message(id="m1")

    app = server.create_app(Messages())
    for body in ({"model": "m"}, {"model": "m", "max_tokens": 0}, [1]):
        reply = _send(app, "POST", "/v1/messages", json=body)
        assert reply.status_code == 400, reply.text
        assert reply.headers["content-type"] == "application/json"
        _valid(MESSAGES, "ErrorResponse", reply.json())
        assert reply.json()["error"]["type"] == "invalid_request_error"
    assert _send(app, "POST", "/v1/messages", json={"model": "m", "max_tokens": 1}).is_success


def test_an_unfillable_error_body_needs_the_implementer_at_construction(tmp_path: Path) -> None:
    spec = copy.deepcopy(TRAIN)
    spec["components"]["schemas"]["Problem"]["required"] = ["code"]
    spec["components"]["schemas"]["Problem"]["properties"]["code"] = {
        "type": "string",
        "pattern": "^E[0-9]{3}$",
    }
    models, server, _ = generate(spec, tmp_path, "train_unfillable")
    with pytest.raises(TypeError, match=r"get_bookings \(400\), create_booking \(400\)"):
        server.create_app(Bookings(models))
    seen: list[Any] = []

    def problem(invalid: Any) -> Any:
        seen.append(invalid)
        return models.Problem(code="E400", detail=invalid.message, status=invalid.status)

    app = server.create_app(Bookings(models), invalid_request=problem)
    reply = _send(app, "POST", "/bookings", json={"trip_id": "t"})
    assert reply.status_code == 400
    _valid(spec, "Problem", reply.json())
    assert reply.json()["code"] == "E400"
    [invalid] = seen
    assert (invalid.operation, invalid.status) == ("create_booking", 400)
    assert invalid.errors[0]["loc"] == ["body", "passenger_name"]


def test_the_documented_status_is_chosen_in_order() -> None:
    document: dict[str, Any] = {"components": {"schemas": {}}}
    message = {"type": "object", "required": ["message"], "properties": {"message": {}}}
    error = {"content": {"application/json": {"schema": message}}}
    fastapi = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"detail": {"type": "array"}}}
            }
        }
    }
    assert invalid_plan(document, {"200": {}}) is None  # FastAPI's 422
    assert invalid_plan(document, {"422": fastapi, "400": error}) is None  # as FastAPI does it
    cases = [
        ({"422": error, "400": error, "4XX": error, "default": error}, 422),
        ({"400": error, "4XX": error, "default": error}, 400),
        ({"4XX": error, "default": error}, 400),
        ({"default": error}, 400),
    ]
    for responses, status in cases:
        plan = invalid_plan(document, responses)
        assert plan is not None and plan.status == status
    plan = invalid_plan(document, {"400": fastapi})
    assert plan is not None and (plan.status, plan.type) == (400, None)  # `detail` items, at 400
    plan = invalid_plan(document, {"4XX": {"description": "no body"}})
    assert plan is not None and (plan.status, plan.type) == (400, None)


def test_defaults_fill_required_fields_and_pick_the_invalid_branch() -> None:
    document = {"components": {"schemas": copy.deepcopy(MESSAGES["components"]["schemas"])}}
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    plan = invalid_plan(document, {"4XX": {"content": {"application/json": {"schema": ref}}}})
    assert plan is not None
    assert plan.default == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": MESSAGE},
    }
    petstore = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
    }
    plan = invalid_plan(
        document, {"default": {"content": {"application/json": {"schema": petstore}}}}
    )
    assert plan is not None and plan.default == {"code": 400, "message": MESSAGE}


def test_a_schema_admitting_any_object_gets_fastapi_detail_at_the_documented_status(
    tmp_path: Path,
) -> None:
    spec = copy.deepcopy(TRAIN)
    spec["components"]["schemas"]["Problem"] = {"type": "object", "description": "Anything."}
    models, server, _ = generate(spec, tmp_path, "train_open")
    app = server.create_app(Bookings(models))
    reply = _send(app, "POST", "/bookings", json={"trip_id": "t"})
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["detail"][0]["loc"] == ["body", "passenger_name"]


def test_operations_sharing_an_answer_share_one_constant(tmp_path: Path) -> None:
    files = codegen.render_package(
        copy.deepcopy(TRAIN), source="t", sha256="0", out=tmp_path, package="t"
    )
    assert isinstance(files, dict)
    server = files[tmp_path / "server.py"]
    assert server.count("Problem.model_validate_json,") == 1
    assert '"get_bookings": _REFUSED_0,' in server
    assert '"create_booking": _REFUSED_0,' in server


def test_openai_style_error_gets_its_type_word_and_nulls() -> None:
    nullable = {"type": "string", "nullable": True}
    null_branch = {"anyOf": [{"type": "string"}, {"type": "null"}]}  # OpenAI's 3.1 spelling
    error = {
        "type": "object",
        "required": ["type", "message", "param", "code"],
        "properties": {
            "type": {"type": "string"},
            "message": {"type": "string"},
            "param": nullable,
            "code": null_branch,
        },
    }
    wrapped = {"type": "object", "required": ["error"], "properties": {"error": error}}
    content = {"content": {"application/json": {"schema": wrapped}}}
    plan = invalid_plan({}, {"400": content})
    assert plan is not None
    assert plan.default == {
        "error": {"type": "invalid_request_error", "message": MESSAGE, "param": None, "code": None}
    }


PETS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "security": [{"bearer": []}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    },
                    "default": {
                        "description": "any error",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
        }
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
}


class Pets:
    async def list_pets(self, context: Any) -> Any:
        return []


def test_a_request_without_credentials_gets_the_documented_error_body(tmp_path: Path) -> None:
    """Petstore's `default: Error {code, message}` answers a missing bearer token too (it was
    FastAPI's `{"detail": ...}`, which the documented Error refuses); the status stays 401."""
    _, server, _ = generate(PETS, tmp_path, "pets_401")
    app = server.create_app(Pets())
    reply = _send(app, "GET", "/pets")
    assert reply.status_code == 401, reply.text
    assert reply.headers["www-authenticate"] == "Bearer"
    _valid(PETS, "Error", reply.json())
    assert reply.json() == {"code": 401, "message": "header.authorization: Not authenticated"}
    assert _send(app, "GET", "/pets", headers={"authorization": "Bearer t"}).status_code == 200


def test_a_401_body_the_default_cannot_fill_needs_the_implementer(tmp_path: Path) -> None:
    spec = copy.deepcopy(PETS)
    spec["components"]["schemas"]["Error"]["properties"]["code"] = {
        "type": "string",
        "pattern": "^E[0-9]{3}$",
    }
    models, server, _ = generate(spec, tmp_path, "pets_401_unfillable")
    with pytest.raises(TypeError, match=r"list_pets \(401\)"):
        server.create_app(Pets())
    seen: list[Any] = []

    def error(invalid: Any) -> Any:
        seen.append(invalid)
        return models.Error(code=f"E{invalid.status}", message=invalid.message)

    reply = _send(server.create_app(Pets(), invalid_request=error), "GET", "/pets")
    assert reply.status_code == 401
    _valid(spec, "Error", reply.json())
    [invalid] = seen
    assert (invalid.operation, invalid.status) == ("list_pets", 401)
    assert invalid.errors[0]["loc"] == ["header", "authorization"]
