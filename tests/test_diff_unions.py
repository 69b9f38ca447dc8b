"""Unions judged by what they accept: composition beside `type`, absorbed and covered branches."""

from __future__ import annotations

from typing import Any

from vlmspec.codegen import diff_documents

from .test_diff_schema import _doc, _rules


def _objects(*names: str) -> dict[str, Any]:
    return {
        name: {
            "type": "object",
            "properties": {"type": {"const": name.lower()}, "v": {"type": "string"}},
            "required": ["type"],
        }
        for name in names
    }


def _refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/schemas/{name}"} for name in names]


def test_union_beside_type_is_walked() -> None:
    """OpenAI's `Item`: `type: object` and `oneOf` in one schema; the branches still count."""
    old_schemas = {**_objects("A", "B"), "Item": {"type": "object", "oneOf": _refs("A", "B")}}
    new_schemas = {**old_schemas, "B": {**old_schemas["B"], "required": ["type", "v"]}}
    item = {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    assert _rules(_doc(item, schemas=old_schemas), _doc(item, schemas=new_schemas)) == [
        ("request-property-made-required", "$[]<B>.v", "property made required")
    ]
    fewer = {**old_schemas, "Item": {"type": "object", "oneOf": _refs("A")}}
    assert _rules(_doc(item, schemas=old_schemas), _doc(item, schemas=fewer)) == [
        ("request-type-narrowed", "$[]", "branch `B` removed")
    ]


def test_own_keywords_apply_to_every_branch() -> None:
    """`properties` beside `anyOf: [{required: [a]}, {required: [b]}]` (OpenAI's ImageRefParam)."""

    def schema(max_length: int) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"a": {"type": "string", "maxLength": max_length}, "b": {}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
            "additionalProperties": False,
        }

    found = _rules(_doc(schema(9)), _doc(schema(5)))
    assert sorted(found) == [
        ("request-bound-tightened", "$<object#2>.a", "maxLength 9 → 5"),
        ("request-bound-tightened", "$<object>.a", "maxLength 9 → 5"),
    ]


def test_type_beside_union_does_not_hide_a_contradicting_branch() -> None:
    """OpenAI's TranscriptionChunkingStrategy: `type: object` over `"auto"` or an object.

    Strictly the string branch accepts nothing; the vendor means it, so it is kept and compared.
    """

    def schema(values: list[str]) -> dict[str, Any]:
        return {
            "type": "object",
            "oneOf": [{"type": "string", "enum": values}, {"$ref": "#/components/schemas/A"}],
        }

    schemas = _objects("A")
    old, new = _doc(schema(["auto", "x"]), schemas=schemas), _doc(schema(["auto"]), schemas=schemas)
    assert _rules(old, new) == [
        ("request-enum-value-removed", "$<string>", 'enum value(s) "x" removed')
    ]


def _model(values: list[str]) -> dict[str, Any]:
    return {"anyOf": [{"type": "string"}, {"type": "string", "enum": values}]}


def test_enum_beside_a_plain_string_changes_nothing() -> None:
    """`anyOf: [string, string enum]` accepts any string, whatever the enum lists."""
    old, new = _model(["gpt-5"]), _model(["gpt-5", "gpt-5.5"])
    assert _rules(_doc(old, old), _doc(new, new)) == []
    assert _rules(_doc(new, new), _doc(old, old)) == []


def test_enum_component_beside_a_plain_string_changes_nothing() -> None:
    """The same through `$ref`s, as OpenAI spells `ModelIdsShared`."""

    def schemas(values: list[str]) -> dict[str, Any]:
        return {
            "ChatModel": {"type": "string", "enum": values},
            "Ids": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/ChatModel"}]},
        }

    ids = {"$ref": "#/components/schemas/Ids"}
    old = _doc(ids, ids, schemas(["gpt-5"]))
    assert _rules(old, _doc(ids, ids, schemas(["gpt-5", "gpt-5.5"]))) == []


def test_dropping_the_plain_string_is_still_a_narrowing() -> None:
    old, new = _model(["a"]), {"type": "string", "enum": ["a"]}
    assert _rules(_doc(old), _doc(new)) == [("request-type-narrowed", "$", 'now limited to "a"')]
    assert _rules(_doc(new), _doc(old)) == [
        ("request-type-widened", "$", "enum/const restriction removed")
    ]


def test_integer_is_absorbed_by_a_plain_number() -> None:
    old = {"anyOf": [{"type": "number"}, {"type": "integer", "maximum": 3}]}
    new = {"anyOf": [{"type": "number"}, {"type": "integer", "maximum": 9}]}
    assert _rules(_doc(old), _doc(new)) == []


def test_any_object_to_specific_objects_is_a_narrowing() -> None:
    """A response `{type: object}` becoming four specific objects narrows what clients get."""
    schemas = _objects("A", "B", "C", "D")
    specific = {"anyOf": _refs("A", "B", "C", "D")}
    old, new = _doc({}, {"type": "object"}, schemas), _doc({}, specific, schemas)
    assert _rules(old, new) == [
        ("response-type-narrowed", "$", "any `object` narrowed to `A`, `B`, `C`, `D`")
    ]
    assert _rules(new, old) == [
        ("response-type-widened", "$", "`A`, `B`, `C`, `D` widened to any `object`")
    ]
    # On the request side the same edit narrows what a server accepts: breaking.
    request = diff_documents(_doc({"type": "object"}), _doc(specific, {}, schemas))
    assert [c.rule for c in request] == ["request-type-narrowed"]


def test_ref_with_vendor_extension_keeps_its_name() -> None:
    """`x-` siblings of a `$ref` (OpenAI's `x-stainless-skip`) do not make it anonymous."""
    schemas = _objects("A", "B")
    old = _doc({}, {"anyOf": _refs("A")}, schemas)
    new = _doc({}, {"anyOf": [*_refs("A"), {**_refs("B")[0], "x-stainless-skip": ["go"]}]}, schemas)
    assert _rules(old, new) == [("response-type-widened", "$", "branch `B` added")]


def test_recursion_through_an_inline_union_branch_terminates() -> None:
    """`Forest = anyOf [{properties: {t: Forest}}, null]` recursed forever (RecursionError)."""

    def schemas(extra: dict[str, Any]) -> dict[str, Any]:
        props = {"t": {"$ref": "#/components/schemas/Forest"}, **extra}
        tree = {"type": "object", "properties": props}
        return {"Forest": {"anyOf": [tree, {"type": "null"}]}}

    forest = {"$ref": "#/components/schemas/Forest"}
    old = _doc(forest, forest, schemas({}))
    assert _rules(old, _doc(forest, forest, schemas({}))) == []
    assert _rules(old, _doc(forest, forest, schemas({"x": {"type": "string"}}))) == [
        ("request-property-added-optional", "$.x", "property added (optional)"),
        ("response-property-added", "$.x", "property added (optional)"),
    ]


def test_recursion_through_a_ref_with_siblings_terminates() -> None:
    """A `$ref` with constraining siblings is named by the ref and its siblings."""

    def schemas(n: int) -> dict[str, Any]:
        child = {"$ref": "#/components/schemas/X", "minProperties": n}
        return {"X": {"type": "object", "properties": {"c": child}}}

    x = {"$ref": "#/components/schemas/X"}
    found = _rules(_doc(x, x, schemas(0)), _doc(x, x, schemas(1)))
    assert found == [
        ("request-bound-tightened", "$.c", "minProperties 0 → 1"),
        ("response-bound-tightened", "$.c", "minProperties 0 → 1"),
    ]


def test_each_type_of_a_type_list_is_compared_on_its_own() -> None:
    """`type: [object, array]` in one component: two branch pairs, not one memo entry."""

    def schemas(extra: dict[str, Any]) -> dict[str, Any]:
        props = {"a": {"type": "string"}, **extra}
        return {"S": {"type": ["object", "array"], "properties": props, "items": {}}}

    s = {"$ref": "#/components/schemas/S"}
    old, new = _doc(s, schemas=schemas({})), _doc(s, schemas=schemas({"b": {}}))
    assert _rules(old, new) == [
        ("request-property-added-optional", "$<S>.b", "property added (optional)")
    ]


def test_component_replaced_by_a_union_is_one_change() -> None:
    """`Message` → `allOf [oneOf [A, B]]` read "branch `Message` removed" beside "branch `A`
    added", "branch `B` added"; it is one replacement, judged on the side that may break."""
    schemas = {**_objects("A", "B"), "Message": {"type": "object", "properties": {"v": {}}}}
    old = {"$ref": "#/components/schemas/Message"}
    new = {"allOf": [{"oneOf": _refs("A", "B")}]}
    assert _rules(_doc(old, old, schemas=schemas), _doc(new, new, schemas=schemas)) == [
        ("request-type-narrowed", "$", "`Message` replaced by `A`, `B`"),
        ("response-type-widened", "$", "`Message` replaced by `A`, `B`"),
    ]
