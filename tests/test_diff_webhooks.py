"""Webhooks: the provider sends the payload (judged like a response), the consumer replies (like
a request). Ignored before: every case below reported "no changes"."""

from __future__ import annotations

import copy
from typing import Any

from vlmspec.codegen import diff_documents

_BOOKING = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "paid"]},
        "note": {"type": "string"},
    },
    "required": ["id"],
}


def _spec() -> dict[str, Any]:
    """Bump.sh Train Travel's `newBooking` webhook, reduced."""
    hook = {
        "post": {
            "operationId": "new-booking",
            "parameters": [
                {"name": "x-kind", "in": "header", "schema": {"type": "string", "enum": ["a"]}}
            ],
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Booking"}}
                }
            },
            "responses": {
                "200": {
                    "description": "received",
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}
                        }
                    },
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "webhooks": {"newBooking": {"$ref": "#/components/pathItems/NewBooking"}},
        "components": {
            "schemas": {"Booking": copy.deepcopy(_BOOKING)},
            "pathItems": {"NewBooking": hook},
        },
    }


def _hook(doc: dict[str, Any]) -> dict[str, Any]:
    hook: dict[str, Any] = doc["components"]["pathItems"]["NewBooking"]["post"]
    return hook


def _found(new: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(c.rule, c.severity, c.part, c.path) for c in diff_documents(_spec(), new)]


def test_payload_made_required_is_safe() -> None:
    """Train Travel 2155fdc ("newBooking webhook body is required"): receivers now always get
    a body, which they already handled."""
    new = _spec()
    _hook(new)["requestBody"]["required"] = True
    assert _found(new) == [("webhook-payload-made-required", "safe", "payload", "")]
    changes = diff_documents(_spec(), new)
    assert changes[0].operation == "webhook POST newBooking"
    assert changes[0].operation_id == "new-booking"


def test_payload_widening_breaks_receivers() -> None:
    new = _spec()
    booking = new["components"]["schemas"]["Booking"]
    booking["properties"]["status"]["enum"].append("refunded")
    booking["properties"]["id"]["type"] = ["string", "integer"]
    assert _found(new) == [
        ("response-type-widened", "breaking", "payload application/json", "$.id"),
        ("response-enum-value-added", "breaking", "payload application/json", "$.status"),
    ]


def test_payload_narrowing_is_safe() -> None:
    new = _spec()
    new["components"]["schemas"]["Booking"]["required"] = ["id", "note"]
    assert _found(new) == [
        ("response-property-made-required", "safe", "payload application/json", "$.note")
    ]


def test_payload_header_is_judged_like_a_response() -> None:
    new = _spec()
    _hook(new)["parameters"][0]["schema"]["enum"].append("b")
    assert _found(new) == [
        ("response-enum-value-added", "breaking", "parameter header x-kind", "$")
    ]


def test_reply_is_judged_like_a_request() -> None:
    """What the consumer sends back, the provider receives: a new required field breaks."""
    new = _spec()
    reply = _hook(new)["responses"]["200"]["content"]["application/json"]["schema"]
    reply["required"] = ["ok"]
    assert _found(new) == [
        ("request-property-made-required", "breaking", "reply 200 application/json", "$.ok")
    ]


def test_removed_webhook_breaks_and_added_is_safe() -> None:
    gone = _spec()
    gone["webhooks"] = {}
    assert _found(gone) == [("webhook-removed", "breaking", "", "")]
    more = _spec()
    more["webhooks"]["bookingPaid"] = more["webhooks"]["newBooking"]
    assert [(c.rule, c.operation) for c in diff_documents(_spec(), more)] == [
        ("webhook-added", "webhook POST bookingPaid")
    ]
