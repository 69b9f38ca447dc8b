"""`allOf` is a conjunction: every part's constraints apply, whatever the parts' order."""

from __future__ import annotations

from typing import Any

import pytest

from .test_diff_schema import _doc, _rules


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_STATION = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    "required": ["id", "name"],
}
# Bump.sh Train Travel API's generic wrapper: `data` is an array of any objects.
_WRAPPER = {
    "type": "object",
    "properties": {
        "data": {"type": "array", "items": {"type": "object"}},
        "links": {"type": "object", "readOnly": True},
    },
}
_SCHEMAS = {"Station": _STATION, "Wrapper": _WRAPPER}
_SPECIFIC = {"properties": {"data": {"type": "array", "items": _ref("Station")}}}


def _response(schema: Any) -> dict[str, Any]:
    return _doc({}, schema, schemas=_SCHEMAS)


def test_train_travel_wrapper_removes_nothing() -> None:
    """Commit a19ff9e ("add wrapper to stations"): 5 false `response-property-removed` before,
    because the wrapper's `items: {type: object}` hid the second part's `items: $ref Station`."""
    old = {"type": "object", "properties": {"data": {"type": "array", "items": _ref("Station")}}}
    new = {"allOf": [_ref("Wrapper"), _SPECIFIC]}
    assert _rules(_response(old), _response(new)) == [
        ("response-property-added", "$.links", "property added (optional)")
    ]


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([_ref("Wrapper"), _SPECIFIC], id="wrapper-first"),
        pytest.param([_SPECIFIC, _ref("Wrapper")], id="wrapper-last"),
    ],
)
def test_order_of_parts_does_not_matter(parts: list[Any]) -> None:
    old = {"type": "object", "properties": {"data": {"type": "array", "items": _ref("Station")}}}
    found = _rules(_response(old), _response({"allOf": parts}))
    assert found == [("response-property-added", "$.links", "property added (optional)")]
    reversed_parts = {"allOf": parts[::-1]}
    assert _rules(_response({"allOf": parts}), _response(reversed_parts)) == []


@pytest.mark.parametrize("first", [True, False], ids=["type-part-first", "bound-part-first"])
def test_constraints_of_every_part_apply(first: bool) -> None:
    """A later part's `maximum` (and an earlier one's `type`) were dropped by `setdefault`."""
    typed = {"properties": {"n": {"type": "integer", "minimum": 0}}}
    bounded = {"properties": {"n": {"maximum": 10, "minimum": 2}}}
    parts = [typed, bounded] if first else [bounded, typed]
    n = {"type": "integer", "minimum": 2, "maximum": 10}
    assert _rules(_doc({"type": "object", "properties": {"n": n}}), _doc({"allOf": parts})) == []
    top = [{"type": "integer", "minimum": 0}, {"maximum": 10, "minimum": 2}]
    assert _rules(_doc(n), _doc({"allOf": top if first else top[::-1]})) == []


def test_narrowing_inside_one_part_is_reported() -> None:
    def schema(max_length: int) -> dict[str, Any]:
        part = {"properties": {"name": {"type": "string", "maxLength": max_length}}}
        return {"allOf": [_ref("Wrapper"), part]}

    assert _rules(_doc(schema(10)), _doc(schema(5))) == [
        ("request-bound-tightened", "$.name", "maxLength 10 → 5")
    ]


def test_tightest_bound_wins() -> None:
    """Loosening the looser of two bounds on one property changes nothing accepted."""

    def schema(loose: int) -> dict[str, Any]:
        return {
            "allOf": [
                {"properties": {"name": {"type": "string", "maxLength": 5}}},
                {"properties": {"name": {"maxLength": loose}}},
            ]
        }

    assert _rules(_doc(schema(10)), _doc(schema(20))) == []
    assert _rules(_doc(schema(10)), _doc(schema(3))) == [
        ("request-bound-tightened", "$.name", "maxLength 5 → 3")
    ]


def test_types_intersect() -> None:
    """`[string, null]` in one part and `string` in another: null is not accepted."""
    both = {"allOf": [{"type": ["string", "null"]}, {"type": "string"}]}
    assert _rules(_doc({"type": "string"}), _doc(both)) == []
    assert _rules(_doc({"type": ["string", "null"]}), _doc(both)) == [
        ("request-nullable-removed", "$", "may no longer be null")
    ]


def test_keywords_beside_a_union_conjoin_with_each_branch() -> None:
    """A property declared beside `oneOf` and again in a branch: both declarations apply (the
    bound beside the union was dropped in favour of the branch's declaration)."""

    def schema(max_length: int) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"a": {"maxLength": max_length}},
            "oneOf": [{"properties": {"a": {"type": "string"}}, "required": ["a"]}],
        }

    assert _rules(_doc(schema(10)), _doc(schema(5))) == [
        ("request-bound-tightened", "$.a", "maxLength 10 → 5")
    ]


def test_default_in_one_declaration_is_kept() -> None:
    """A default in one of two declarations of a property is still its default (was reported
    as `request-default-changed`, "default 1 removed")."""
    old = {"type": "object", "properties": {"n": {"type": "integer", "default": 1, "maximum": 5}}}
    new = {
        "allOf": [
            {"properties": {"n": {"type": "integer", "default": 1}}},
            {"properties": {"n": {"maximum": 5}}},
        ]
    }
    assert _rules(_doc(old), _doc(new)) == []


def test_several_unions_must_all_hold() -> None:
    """`allOf [anyOf [string, integer], anyOf [integer, boolean]]` accepts integers only; the
    second union was dropped before (a false `string` branch)."""
    first = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    second = {"anyOf": [{"type": "integer"}, {"type": "boolean"}]}
    for parts in ([first, second], [second, first]):
        assert _rules(_doc({"type": "integer"}), _doc({"allOf": parts})) == []


def test_default_beside_all_of_overrides_the_parts() -> None:
    """`allOf: [$ref]` + `default` sets the default where the component is used (OpenAPI 3.0
    allows no siblings beside a `$ref`); the component's own default does not apply there."""
    schemas = {"Mode": {"type": "string", "enum": ["a", "b"], "default": "a"}}
    old = {"type": "string", "enum": ["a", "b"], "default": "b"}
    new = {"allOf": [{"$ref": "#/components/schemas/Mode"}], "default": "b"}
    assert _rules(_doc(old, schemas=schemas), _doc(new, schemas=schemas)) == []
