"""Every diff rule fires on a minimal edit of one small spec, with the catalogue's severity."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from vlmspec.codegen import DIFF_RULES, Change, diff_documents

Doc = dict[str, Any]

_BASE: Doc = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "diff" / "rules_base.yaml").read_text(encoding="utf-8")
)


def _op(doc: Doc) -> Doc:
    op: Doc = doc["paths"]["/items"]["post"]
    return op


def _hook(doc: Doc) -> Doc:
    hook: Doc = doc["webhooks"]["itemCreated"]["post"]
    return hook


def _ok_headers(doc: Doc) -> Doc:
    headers: Doc = _op(doc)["responses"]["200"]["headers"]
    return headers


def _request_id(doc: Doc) -> Doc:
    header: Doc = _ok_headers(doc)["X-Request-Id"]
    return header


def _item_in(doc: Doc) -> Doc:
    schema: Doc = doc["components"]["schemas"]["ItemIn"]
    return schema


def _item_out(doc: Doc) -> Doc:
    schema: Doc = doc["components"]["schemas"]["ItemOut"]
    return schema


@dataclass
class Case:
    rule: str
    edit: Callable[[Doc], object]
    """Applied to a copy of the base: that copy is NEW (or OLD when ``reverse``)."""
    reverse: bool = False
    also: set[str] = field(default_factory=set)
    """Other rules the same edit legitimately fires."""


def _set(get: Callable[[Doc], Doc], key: str, value: Any) -> Callable[[Doc], object]:
    return lambda doc: get(doc).__setitem__(key, value)


def _props(get: Callable[[Doc], Doc]) -> Callable[[Doc], Doc]:
    return lambda doc: get(doc)["properties"]


_JSON = {"schema": {"type": "object"}}

CASES = [
    Case("operation-removed", lambda d: d["paths"]["/items"].pop("post")),
    Case(
        "operation-added",
        lambda d: d["paths"].__setitem__(
            "/other", {"get": {"responses": {"200": {"description": "ok"}}}}
        ),
    ),
    Case(
        "parameter-added-required",
        lambda d: _op(d)["parameters"].append(
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
    ),
    Case(
        "parameter-added-optional",
        lambda d: _op(d)["parameters"].append(
            {"name": "q", "in": "query", "schema": {"type": "string"}}
        ),
    ),
    Case("parameter-removed", lambda d: _op(d)["parameters"].clear()),
    Case("parameter-made-required", lambda d: _op(d)["parameters"][0].update(required=True)),
    Case(
        "parameter-made-optional",
        lambda d: _op(d)["parameters"][0].update(required=True),
        reverse=True,
    ),
    Case(
        "request-body-made-required",
        lambda d: _op(d)["requestBody"].update(required=False),
        reverse=True,
    ),
    Case("request-body-made-optional", lambda d: _op(d)["requestBody"].update(required=False)),
    Case(
        "request-media-type-removed",
        lambda d: _op(d)["requestBody"]["content"].__setitem__("text/plain", _JSON),
        reverse=True,
    ),
    Case(
        "request-media-type-added",
        lambda d: _op(d)["requestBody"]["content"].__setitem__("text/plain", _JSON),
    ),
    Case("response-success-status-removed", lambda d: _op(d)["responses"].pop("200")),
    Case("response-status-removed", lambda d: _op(d)["responses"].pop("422")),
    Case(
        "response-status-added",
        lambda d: _op(d)["responses"].__setitem__("404", {"description": "missing"}),
    ),
    Case(
        "response-media-type-removed",
        lambda d: _op(d)["responses"]["200"]["content"].__setitem__("text/plain", _JSON),
        reverse=True,
    ),
    Case(
        "response-media-type-added",
        lambda d: _op(d)["responses"]["200"]["content"].__setitem__("text/plain", _JSON),
    ),
    Case("response-header-removed", lambda d: _ok_headers(d).pop("X-Request-Id")),
    Case(
        "response-optional-header-removed",
        _set(_ok_headers, "X-Trace", {"schema": {"type": "string"}}),
        reverse=True,
    ),
    Case("response-header-added", _set(_ok_headers, "X-Trace", {"schema": {"type": "string"}})),
    Case("response-header-made-optional", _set(_request_id, "required", False)),
    Case("response-header-made-required", _set(_request_id, "required", False), reverse=True),
    Case("security-requirement-added", lambda d: d.__setitem__("security", []), reverse=True),
    Case(
        "security-requirement-removed",
        lambda d: _op(d).__setitem__("security", [{"bearer": []}, {}]),
    ),
    Case(
        "request-property-added-required",
        lambda d: _item_in(d).update(
            properties={**_item_in(d)["properties"], "owner": {"type": "string"}},
            required=["name", "owner"],
        ),
    ),
    Case(
        "request-property-added-optional",
        lambda d: _props(_item_in)(d).__setitem__("color", {"type": "string"}),
    ),
    Case(
        "request-property-removed-closed",
        lambda d: (_props(_item_in)(d).pop("tags"), _item_in(d).update(additionalProperties=False)),
        also={"request-type-narrowed"},
    ),
    Case("request-property-removed", lambda d: _props(_item_in)(d).pop("tags")),
    Case("request-property-made-required", lambda d: _item_in(d)["required"].append("kind")),
    Case("request-property-made-optional", lambda d: _item_in(d)["required"].clear()),
    Case("request-enum-value-removed", _set(lambda d: _props(_item_in)(d)["kind"], "enum", ["a"])),
    Case(
        "request-enum-value-added",
        _set(lambda d: _props(_item_in)(d)["kind"], "enum", ["a", "b", "c"]),
    ),
    Case("request-type-narrowed", lambda d: _props(_item_in)(d)["size"]["anyOf"].pop(1)),
    Case(
        "request-type-widened",
        _set(lambda d: _props(_item_in)(d)["name"], "type", ["string", "integer"]),
    ),
    Case("request-nullable-removed", lambda d: _props(_item_in)(d)["size"]["anyOf"].pop(2)),
    Case(
        "request-nullable-added",
        _set(lambda d: _props(_item_in)(d)["name"], "type", ["string", "null"]),
    ),
    Case("request-bound-tightened", _set(lambda d: _props(_item_in)(d)["name"], "maxLength", 5)),
    Case(
        "request-bound-loosened", lambda d: _props(_item_in)(d)["size"]["anyOf"][0].pop("minimum")
    ),
    Case("request-default-changed", _set(lambda d: _props(_item_in)(d)["kind"], "default", "b")),
    Case("request-default-added", _set(lambda d: _props(_item_in)(d)["name"], "default", "x")),
    Case("response-property-removed", lambda d: _props(_item_out)(d).pop("note")),
    Case("response-property-made-optional", lambda d: _item_out(d)["required"].remove("status")),
    Case(
        "response-property-added",
        lambda d: _props(_item_out)(d).__setitem__("extra", {"type": "string"}),
    ),
    Case("response-property-made-required", lambda d: _item_out(d)["required"].append("note")),
    Case(
        "response-enum-value-added",
        lambda d: _props(_item_out)(d)["status"]["enum"].append("pending"),
    ),
    Case("response-enum-value-removed", lambda d: _props(_item_out)(d)["status"]["enum"].pop()),
    Case("response-type-widened", _set(lambda d: _props(_item_out)(d)["count"], "type", "number")),
    Case(
        "response-type-narrowed",
        _set(lambda d: _props(_item_out)(d)["count"], "type", "number"),
        reverse=True,
    ),
    Case(
        "response-nullable-added",
        lambda d: _props(_item_out)(d).__setitem__(
            "note", {"anyOf": [{"type": "string"}, {"type": "null"}]}
        ),
    ),
    Case(
        "response-nullable-removed",
        lambda d: _props(_item_out)(d).__setitem__("note", {"type": ["string", "null"]}),
        reverse=True,
    ),
    Case("response-bound-loosened", _set(lambda d: _props(_item_out)(d)["count"], "maximum", 1000)),
    Case("response-bound-tightened", _set(lambda d: _props(_item_out)(d)["count"], "maximum", 50)),
    Case("webhook-removed", lambda d: d["webhooks"].pop("itemCreated")),
    Case(
        "webhook-added",
        lambda d: d["webhooks"].__setitem__(
            "itemDeleted", {"post": {"responses": {"200": {"description": "ok"}}}}
        ),
    ),
    Case("webhook-parameter-removed", lambda d: _hook(d)["parameters"].clear()),
    Case(
        "webhook-parameter-made-optional",
        lambda d: _hook(d)["parameters"][0].update(required=False),
    ),
    Case(
        "webhook-parameter-added",
        lambda d: _hook(d)["parameters"].append(
            {"name": "x-attempt", "in": "header", "schema": {"type": "integer"}}
        ),
    ),
    Case(
        "webhook-parameter-made-required",
        lambda d: _hook(d)["parameters"][0].update(required=False),
        reverse=True,
    ),
    Case("webhook-payload-removed", lambda d: _hook(d).pop("requestBody")),
    Case("webhook-payload-made-optional", lambda d: _hook(d)["requestBody"].update(required=False)),
    Case("webhook-payload-added", lambda d: _hook(d).pop("requestBody"), reverse=True),
    Case(
        "webhook-payload-made-required",
        lambda d: _hook(d)["requestBody"].update(required=False),
        reverse=True,
    ),
    Case(
        "webhook-payload-media-type-added",
        lambda d: _hook(d)["requestBody"]["content"].__setitem__("application/xml", _JSON),
    ),
    Case(
        "webhook-payload-media-type-removed",
        lambda d: _hook(d)["requestBody"]["content"].__setitem__("application/xml", _JSON),
        reverse=True,
    ),
    Case("webhook-reply-status-removed", lambda d: _hook(d)["responses"].pop("410")),
    Case(
        "webhook-reply-status-added",
        lambda d: _hook(d)["responses"].__setitem__("204", {"description": "received"}),
    ),
]


# Stated here independently of the catalogue, so a flipped severity fails a test.
BREAKING = {
    "operation-removed",
    "parameter-added-required",
    "parameter-made-required",
    "request-body-made-required",
    "request-media-type-removed",
    "response-success-status-removed",
    "response-media-type-removed",
    "response-header-removed",
    "response-header-made-optional",
    "security-requirement-added",
    "request-property-added-required",
    "request-property-removed-closed",
    "request-property-made-required",
    "request-enum-value-removed",
    "request-type-narrowed",
    "request-nullable-removed",
    "request-bound-tightened",
    "request-default-changed",
    "response-property-removed",
    "response-property-made-optional",
    "response-enum-value-added",
    "response-type-widened",
    "response-nullable-added",
    "response-bound-loosened",
    "webhook-removed",
    "webhook-parameter-removed",
    "webhook-parameter-made-optional",
    "webhook-payload-removed",
    "webhook-payload-made-optional",
    "webhook-payload-media-type-added",
    "webhook-reply-status-removed",
}


def _run(case: Case) -> list[Change]:
    edited = copy.deepcopy(_BASE)
    case.edit(edited)
    base = copy.deepcopy(_BASE)
    old, new = (edited, base) if case.reverse else (base, edited)
    return diff_documents(old, new)


def test_every_rule_has_a_case() -> None:
    assert [case.rule for case in CASES] == list(DIFF_RULES)


def test_base_against_itself_is_unchanged() -> None:
    assert diff_documents(copy.deepcopy(_BASE), copy.deepcopy(_BASE)) == []


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_rule_fires_with_its_severity(case: Case) -> None:
    changes = _run(case)
    assert {c.rule for c in changes} == {case.rule, *case.also}
    fired = [c for c in changes if c.rule == case.rule]
    assert len(fired) == 1
    assert fired[0].severity == ("breaking" if case.rule in BREAKING else "safe")
    assert fired[0].operation in (
        "POST /items",
        "GET /other",
        "webhook POST itemCreated",
        "webhook POST itemDeleted",
    )
    assert fired[0].message


def test_mirrored_edits_flip_severity() -> None:
    """The same edit to a request and to a response schema lands on opposite severities."""
    for rule, mirror in [
        ("request-enum-value-added", "response-enum-value-added"),
        ("request-nullable-added", "response-nullable-added"),
        ("request-bound-loosened", "response-bound-loosened"),
    ]:
        assert DIFF_RULES[rule].severity != DIFF_RULES[mirror].severity


def test_located_with_json_path() -> None:
    case = next(c for c in CASES if c.rule == "request-bound-tightened")
    (change,) = _run(case)
    assert (change.operation, change.operation_id) == ("POST /items", "create_item")
    assert (change.part, change.path) == ("request application/json", "$.name")
    assert change.message == "maxLength 10 → 5"


def test_a_response_header_schema_is_judged_as_the_response() -> None:
    """A header the client reads: its schema accepting more values breaks that client."""
    new = copy.deepcopy(_BASE)
    _request_id(new)["schema"] = {"type": ["string", "integer"]}
    (change,) = diff_documents(copy.deepcopy(_BASE), new)
    assert change.rule == "response-type-widened" and change.severity == "breaking"
    assert change.part == "response 200 header x-request-id"
