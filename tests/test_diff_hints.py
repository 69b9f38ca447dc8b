"""`not`, `prefixItems` and `discriminator` changes (were "Not compared")."""

from __future__ import annotations

from typing import Any

import pytest

from .test_diff_schema import _doc, _rules


def _both(old: Any, new: Any, schemas: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """Rules seen with the schema on both sides of the wire."""
    return _rules(_doc(old, old, schemas), _doc(new, new, schemas))


_OBJ = {"type": "object", "properties": {"a": {}, "b": {}}}


_NOT_AB = {**_OBJ, "not": {"required": ["a", "b"]}}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (_OBJ, _NOT_AB, {"request-type-narrowed", "response-type-narrowed"}),
        (_NOT_AB, _OBJ, {"request-type-widened", "response-type-widened"}),
        (
            {**_OBJ, "not": {"required": ["a"]}},
            {**_OBJ, "not": {"required": ["b"]}},
            {"request-type-narrowed", "response-type-widened"},  # breaking on both sides
        ),
    ],
    ids=["added", "removed", "changed"],
)
def test_not(old: Any, new: Any, expected: set[str]) -> None:
    assert {rule for rule, path, _ in _both(old, new) if path == "$"} == expected


def test_same_not_is_no_change() -> None:
    schema = {**_OBJ, "not": {"required": ["a", "b"]}}
    assert _both(schema, dict(schema)) == []


def test_prefix_items_compare_by_position() -> None:
    old = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    new = {"type": "array", "prefixItems": [{"type": "string", "maxLength": 3}, {"type": "number"}]}
    assert _rules(_doc(old), _doc(new)) == [
        ("request-bound-tightened", "$[0]", "maxLength 3 added"),
        ("request-type-widened", "$[1]", "type `integer` → `number`"),
    ]


def test_prefix_item_added_narrows_what_items_allowed() -> None:
    old = {"type": "array", "items": {"type": "string"}}
    new = {
        "type": "array",
        "prefixItems": [{"type": "string", "enum": ["x"]}],
        "items": old["items"],
    }
    assert _rules(_doc(old), _doc(new)) == [
        ("request-type-narrowed", "$[0]", 'now limited to "x"'),
    ]


def _union(discriminator: dict[str, Any]) -> dict[str, Any]:
    refs = [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]
    return {"oneOf": refs, "discriminator": discriminator}


_AB = {
    name: {"type": "object", "properties": {"kind": {"const": name.lower()}}, "required": ["kind"]}
    for name in ("A", "B")
}
_MAP = {"a": "#/components/schemas/A", "b": "#/components/schemas/B"}


def test_discriminator_property_renamed_breaks_both_sides() -> None:
    old, new = _union({"propertyName": "kind"}), _union({"propertyName": "type"})
    assert _both(old, new, _AB) == [
        ("request-type-narrowed", "$", "discriminator `kind` → `type`"),
        ("response-type-widened", "$", "discriminator `kind` → `type`"),
    ]


def test_discriminator_mapping_values() -> None:
    old = _union({"propertyName": "kind", "mapping": _MAP})
    fewer = _union({"propertyName": "kind", "mapping": {"a": _MAP["a"]}})
    assert _both(old, fewer, _AB) == [
        ("request-type-narrowed", "$", "discriminator value `b` removed"),
        ("response-type-narrowed", "$", "discriminator value `b` removed"),
    ]
    swapped = _union({"propertyName": "kind", "mapping": {"a": _MAP["b"], "b": _MAP["a"]}})
    found = _both(old, swapped, _AB)
    assert [rule for rule, _, _ in found] == [
        "request-type-narrowed",
        "request-type-narrowed",
        "response-type-widened",
        "response-type-widened",
    ]


def test_adding_a_discriminator_alone_is_no_change() -> None:
    plain = {"oneOf": _union({})["oneOf"]}
    assert _both(plain, _union({"propertyName": "kind", "mapping": _MAP}), _AB) == []
