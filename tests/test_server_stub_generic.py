"""The generators on a small made-up spec: what the bundle does not exercise."""

from __future__ import annotations

import asyncio
import copy
import importlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vlmspec import codegen

_PET = {"$ref": "#/components/schemas/Pet"}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "security": [{"bearer": []}],
    "paths": {
        "/pets/{pet_id}": {
            "parameters": [
                {"name": "pet_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "tags",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"content": {"application/json": {"schema": _PET}}}},
            },
            "delete": {"operationId": "deletePet", "responses": {"204": {"description": "gone"}}},
        },
        "/pets": {
            "get": {
                "summary": "List pets",
                "operationId": "listPets",
                "security": [],
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 10},
                    }
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": _PET}}
                        }
                    }
                },
            },
            "put": {
                "summary": "Replace pets",
                "operationId": "replacePets",
                "security": [],
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "array", "items": _PET}}}
                },
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"type": "integer"}}}},
                    "409": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ApiError"}
                            }
                        }
                    },
                },
            },
        },
        "/pets/events": {
            "get": {
                "summary": "Pet events",
                "operationId": "petEvents",
                "security": [],
                "responses": {"200": {"content": {"text/event-stream": {"schema": _PET}}}},
            }
        },
        "/pets/photo": {
            "get": {"responses": {"200": {"content": {"image/png": {}}}}},
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
            },
            "ApiError": {
                "type": "object",
                "required": ["code"],
                "properties": {"code": {"type": "string"}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def pets(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("pets")
    package = out / "pets_pkg"
    package.mkdir()
    ir = codegen.build_ir(SPEC, service_name="PetService")
    models = codegen.render_models(SPEC, "pets")
    assert isinstance(models, str)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(models)
    (package / "server.py").write_text(codegen.render_server(ir))
    (package / "client.py").write_text(codegen.render_client(ir))
    sys.path.insert(0, str(out))
    try:
        return [importlib.import_module(f"pets_pkg.{m}") for m in ("models", "server", "client")]
    finally:
        sys.path.remove(str(out))


def test_ir_names_skips_and_security() -> None:
    ir = codegen.build_ir(SPEC)
    assert [op.name for op in ir.operations] == [
        "get_pet",
        "delete_pet",
        "list_pets",
        "replace_pets",
        "pet_events",
    ]
    [skipped] = ir.skipped
    assert (skipped.method, skipped.path) == ("GET", "/pets/photo")
    assert ir.service_name == "PetsService"  # from info.title
    assert [op.bearer_required for op in ir.operations] == [True, True, False, False, False]


def test_method_names_come_from_operation_ids_only() -> None:
    """Editing a summary never renames a method; FastAPI's route suffix is dropped."""
    edited = copy.deepcopy(SPEC)
    for item in edited["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation["summary"] = "Something else entirely"
    assert [op.name for op in codegen.build_ir(edited).operations] == [
        op.name for op in codegen.build_ir(SPEC).operations
    ]
    del edited["paths"]["/pets/events"]["get"]["operationId"]
    edited["paths"]["/pets"]["get"]["operationId"] = "list_pets_pets_get"  # FastAPI's spelling
    names = [op.name for op in codegen.build_ir(edited).operations]
    assert names[2] == "list_pets"
    assert names[4] == "get_pets_events"  # no operationId: method and path


class PetService:
    def __init__(self, models: Any) -> None:
        self.m = models
        self.calls: list[tuple[str, Any]] = []

    async def get_pet(self, context: Any, *, pet_id: int, verbose: bool | None, tags: Any) -> Any:
        self.calls.append(("get_pet", (pet_id, verbose, tags, context.headers.get("x-trace"))))
        return self.m.Pet(name=f"pet{pet_id}")

    async def delete_pet(self, context: Any, *, pet_id: int) -> None:
        self.calls.append(("delete_pet", pet_id))

    async def list_pets(self, context: Any, *, limit: int | None) -> list[Any]:
        return [self.m.Pet(name="a"), self.m.Pet(name="b")][: limit or 2]

    async def replace_pets(self, body: Any, context: Any) -> int:
        self.calls.append(("replace_pets", body))
        return len(body or [])

    async def pet_events(self, context: Any) -> AsyncIterator[Any]:
        async def events() -> AsyncIterator[Any]:
            yield self.m.Pet(name="born")

        return events()


def _client(pets: Any, service: PetService, **kwargs: Any) -> Any:
    _, server, client = pets
    transport = httpx.ASGITransport(server.create_app(service))
    return client.AsyncClient("http://pets", transport=transport, **kwargs)


def test_params_adapters_and_empty_answers_round_trip(pets: Any) -> None:
    models, _, _ = pets
    service = PetService(models)

    async def run() -> list[Any]:
        async with _client(pets, service, token="t") as client:
            return [
                await client.get_pet(pet_id=7, verbose=True, tags=["a", "b"], x_trace="tr"),
                await client.delete_pet(pet_id=7),
                await client.list_pets(limit=1),
                await client.replace_pets([models.Pet(name="x")]),
                await client.replace_pets(),
                [event async for event in client.pet_events()],
            ]

    pet, deleted, listed, replaced, empty, events = asyncio.run(run())
    assert pet == models.Pet(name="pet7")
    assert service.calls[0] == ("get_pet", (7, True, ["a", "b"], "tr"))
    assert (deleted, service.calls[1]) == (None, ("delete_pet", 7))
    assert listed == [models.Pet(name="a")]
    assert (replaced, empty) == (1, 0)
    assert events == [models.Pet(name="born")]  # no terminator documented: EOF ends it


def test_query_and_path_errors_and_missing_bearer(pets: Any) -> None:
    models, server, _ = pets
    app = server.create_app(PetService(models))

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p") as c:
            return [
                await c.get("/pets?limit=11"),
                await c.get("/pets/x", headers={"Authorization": "Bearer t"}),
                await c.get("/pets/1"),
                await c.put("/pets", content=b'{"name": "not a list"}'),
            ]

    limit, path, anonymous, body = asyncio.run(run())
    assert (limit.status_code, limit.json()["detail"][0]["loc"]) == (422, ["query", "limit"])
    assert (path.status_code, path.json()["detail"][0]["loc"]) == (422, ["path", "pet_id"])
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    assert (body.status_code, body.json()["detail"][0]["loc"]) == (422, ["body"])


def test_model_named_like_a_client_class_is_imported_aliased(pets: Any) -> None:
    models, _, client = pets
    source = Path(client.__file__).read_text()
    assert "from .models import ApiError as ApiErrorModel" in source
    assert client.ConflictError.__mro__[1] is client.ApiError
    assert client.ApiErrorModel is models.ApiError
