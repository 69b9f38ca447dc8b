"""Inline request and response schemas get models, so server and client check them."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from vlmspec import codegen

from ._inline_specs import TRAIN, generate


@pytest.fixture(scope="module")
def train(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    return generate(TRAIN, tmp_path_factory.mktemp("train"), "train_inline")


def _answering(client_module: Any, body: bytes) -> Any:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=body, headers={"content-type": "application/json"}
        )
    )
    return client_module.Client("http://train", transport=transport)


def test_inline_response_is_checked_by_the_client(train: list[Any]) -> None:
    """The review's repro: `{"x": "not-an-int"}` against inline `{x: integer}` must fail."""
    _, _, client = train
    with (
        _answering(client, b'{"x": "not-an-int"}') as api,
        pytest.raises(client.UnexpectedResponseError),
    ):
        api.get_booking(booking_id="b1")
    with _answering(client, b'{"x": 3}') as api:
        assert api.get_booking(booking_id="b1").x == 3


def test_inline_allof_and_array_items_are_checked(train: list[Any]) -> None:
    _, _, client = train
    for body in (b'{"data": [{"no_id": 1}]}', b'[{"id": 7}]'):
        with _answering(client, body) as api, pytest.raises(client.UnexpectedResponseError):
            api.get_bookings() if body.startswith(b"{") else api.get_stations()
    with _answering(client, b'[{"id": "s1"}]') as api:
        [station] = api.get_stations()
        assert station.id == "s1"


def test_hoisted_names_are_stable_and_never_take_a_component(train: list[Any]) -> None:
    models, _, _ = train
    for name in ("CreateBookingRequest", "GetBookings200Response", "GetStations200ResponseItem"):
        assert isinstance(getattr(models, name), type)
    # The component `GetBooking200Response` keeps its name; the inline one gets the next number.
    assert set(models.GetBooking200Response.model_fields) == {"y"}
    assert set(models.GetBooking200Response2.model_fields) == {"x"}
    assert issubclass(models.GetBookings200Response, models.WrapperCollection)


def test_server_validates_an_inline_request_body(train: list[Any]) -> None:
    models, server, _ = train

    class Service:
        async def create_booking(self, body: Any, context: Any) -> Any:
            assert isinstance(body, models.CreateBookingRequest)
            return models.Booking(id="b1", passenger_name=body.passenger_name)

    transport = httpx.ASGITransport(server.create_app(Service()))

    async def run() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            good = await http.post("/bookings", json={"trip_id": "t", "passenger_name": "Ada"})
            bad = await http.post("/bookings", json={"trip_id": "t", "passenger_name": 5})
            return good.status_code, bad.status_code

    good, bad = asyncio.run(run())
    assert good == 201
    assert 400 <= bad < 500


def test_hoisting_is_deterministic_and_leaves_refs_alone(tmp_path: Path) -> None:
    first = codegen.render_package(
        copy.deepcopy(TRAIN), source="t", sha256="0", out=tmp_path, package="t"
    )
    second = codegen.render_package(
        copy.deepcopy(TRAIN), source="t", sha256="0", out=tmp_path, package="t"
    )
    assert isinstance(first, dict)
    assert first == second
    server = first[tmp_path / "server.py"]
    assert "body: CreateBookingRequest" in server
    assert "-> Booking:" in server  # a $ref response keeps its component


def test_an_inline_object_that_admits_null_is_a_model_or_none(tmp_path: Path) -> None:
    obj = {"required": ["x"], "properties": {"x": {"type": "integer"}}}
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Nullable", "version": "1"},
        "paths": {
            "/thing": {
                "get": {
                    "operationId": "getThing",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"type": ["object", "null"], **obj}}
                            }
                        }
                    },
                }
            }
        },
    }
    _, _, client = generate(spec, tmp_path, "nullable_inline")
    with _answering(client, b"null") as api:
        assert api.get_thing() is None
    with _answering(client, b'{"x": 1}') as api:
        assert api.get_thing().x == 1
    with _answering(client, b'{"x": "1"}') as api, pytest.raises(client.UnexpectedResponseError):
        api.get_thing()
    assert (
        "def get_thing(self) -> GetThing200Response | None:"
        in (tmp_path / "nullable_inline" / "client.py").read_text()
    )
