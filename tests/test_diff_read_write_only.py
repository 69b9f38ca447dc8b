"""`readOnly` properties never travel in requests, `writeOnly` ones never in responses."""

from __future__ import annotations

from typing import Any

from .test_diff_schema import _doc, _rules


def _user(*, password: dict[str, Any] | None, required: list[str]) -> dict[str, Any]:
    props: dict[str, Any] = {"id": {"type": "string", "readOnly": True}, "name": {"type": "string"}}
    if password is not None:
        props["password"] = password
    return {"type": "object", "properties": props, "required": required}


_SECRET = {"type": "string", "writeOnly": True}


def test_write_only_is_not_a_response_property() -> None:
    """Was a breaking `response-property-removed` for a field no response ever carried."""
    old = _user(password=_SECRET, required=["id", "password"])
    new = _user(password=None, required=["id"])
    assert _rules(_doc({}, old), _doc({}, new)) == []
    optional = _user(password=_SECRET, required=["id"])
    assert _rules(_doc({}, old), _doc({}, optional)) == []


def test_write_only_is_still_a_request_property() -> None:
    old = _user(password=_SECRET, required=["name"])
    new = _user(password=_SECRET, required=["name", "password"])
    assert _rules(_doc(old), _doc(new)) == [
        ("request-property-made-required", "$.password", "property made required")
    ]


def test_read_only_is_not_a_request_property() -> None:
    """A new required read-only `created` is set by the server: clients send nothing new."""
    old = _user(password=None, required=["name"])
    new = {**old, "properties": {**old["properties"], "created": {"readOnly": True}}}
    new["required"] = ["name", "created"]
    assert _rules(_doc(old), _doc(new)) == []


def test_read_only_dropped_makes_a_required_request_property() -> None:
    """`id` stops being read-only while required: clients must now send it."""
    old = _user(password=None, required=["id", "name"])
    new = {**old, "properties": {**old["properties"], "id": {"type": "string"}}}
    assert _rules(_doc(old), _doc(new)) == [
        ("request-property-added-required", "$.id", "property added (required)")
    ]


def test_read_only_through_all_of_and_ref_siblings() -> None:
    """The flag counts wherever it sits: beside a `$ref`, or in one `allOf` part."""
    schemas = {"Stamp": {"type": "string", "format": "date-time"}}
    ref = {"$ref": "#/components/schemas/Stamp"}
    for flagged in ({**ref, "readOnly": True}, {"allOf": [ref, {"readOnly": True}]}):
        name = {"type": "string"}
        old = {"type": "object", "properties": {"name": name}}
        new = {"type": "object", "properties": {"name": name, "at": flagged}, "required": ["at"]}
        assert _rules(_doc(old, schemas=schemas), _doc(new, schemas=schemas)) == []
