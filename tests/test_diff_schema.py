"""Schema walking: $ref, allOf/anyOf/oneOf, nullable spellings, const, items, recursion, paths."""

from __future__ import annotations

from typing import Any

import pytest

from vlmspec.codegen import diff_documents


def _doc(
    request: Any,
    response: Any | None = None,
    schemas: dict[str, Any] | None = None,
    path: str = "/things",
    parameters: list[Any] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "requestBody": {"content": {"application/json": {"schema": request}}},
        "responses": {
            "200": {
                "description": "ok",
                "content": {
                    "application/json": {"schema": response if response is not None else {}}
                },
            }
        },
    }
    if parameters is not None:
        operation["parameters"] = parameters
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {path: {"post": operation}},
        "components": {
            "schemas": schemas or {},
            "parameters": {
                "Trace": {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
            },
        },
    }


def _rules(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c.rule, c.path, c.message) for c in diff_documents(old, new)]


_OBJ = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
_REF = {"$ref": "#/components/schemas/Obj"}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(_REF, {**_REF, "description": "same thing"}, id="ref-with-annotation"),
        pytest.param(_OBJ, _REF, id="inline-to-ref"),
        pytest.param({"allOf": [_REF]}, _REF, id="allOf-wrapper"),
        pytest.param(
            {"type": "string", "nullable": True},
            {"anyOf": [{"type": "string"}, {"type": "null"}]},
            id="nullable-3.0-vs-anyOf",
        ),
        pytest.param(
            {"type": ["string", "null"]},
            {"oneOf": [{"type": "string"}, {"type": "null"}]},
            id="type-list-vs-oneOf",
        ),
        pytest.param(
            {"enum": ["x", None]}, {"anyOf": [{"enum": ["x"]}, {"type": "null"}]}, id="null-in-enum"
        ),
        pytest.param({"const": "x"}, {"type": "string", "enum": ["x"]}, id="const-is-enum"),
        pytest.param(
            {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            {"type": "number", "minimum": 0},
            id="3.0-boolean-exclusive-ignored",
        ),
        pytest.param(
            {"allOf": [_REF, {"properties": {"b": {"type": "integer"}}}]},
            {
                "type": "object",
                "required": ["a"],
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            },
            id="allOf-merge",
        ),
    ],
)
def test_equivalent_spellings_are_no_change(old: Any, new: Any) -> None:
    schemas = {"Obj": _OBJ}
    assert _rules(_doc(old, schemas=schemas), _doc(new, schemas=schemas)) == []


def test_allof_part_edit_is_seen() -> None:
    old = {"allOf": [_REF, {"properties": {"b": {"type": "integer"}}}]}
    new = {"allOf": [_REF, {"properties": {"b": {"type": "integer"}}, "required": ["b"]}]}
    schemas = {"Obj": _OBJ}
    assert _rules(_doc(old, schemas=schemas), _doc(new, schemas=schemas)) == [
        ("request-property-made-required", "$.b", "property made required")
    ]


def test_const_change_is_value_removed_and_added() -> None:
    old, new = _doc({"const": "json_schema"}), _doc({"const": "json_object"})
    assert _rules(old, new) == [
        ("request-enum-value-removed", "$", 'enum value(s) "json_schema" removed'),
        ("request-enum-value-added", "$", 'enum value(s) "json_object" added'),
    ]


def test_nested_items_and_map_values_have_paths() -> None:
    def schema(item_max: int, value_type: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "cells": {
                                "type": "array",
                                "items": {"type": "string", "maxLength": item_max},
                            }
                        },
                    },
                },
                "labels": {"type": "object", "additionalProperties": {"type": value_type}},
            },
        }

    assert _rules(_doc(schema(5, "string")), _doc(schema(3, "integer"))) == [
        ("request-type-narrowed", "$.labels.*", "type `string` removed"),
        ("request-bound-tightened", "$.rows[].cells[]", "maxLength 5 → 3"),
        ("request-type-widened", "$.labels.*", "type `integer` added"),
    ]


def test_any_to_specific_is_one_change() -> None:
    assert _rules(_doc({}, {}), _doc({}, {"type": "object", "properties": {"x": {}}})) == [
        ("response-type-narrowed", "$", "was any value, now object")
    ]
    assert _rules(_doc({"type": "string"}), _doc({})) == [
        ("request-type-widened", "$", "was string, now any value")
    ]


def test_integer_to_number_is_a_widening() -> None:
    assert _rules(_doc({"type": "integer"}), _doc({"type": "number"})) == [
        ("request-type-widened", "$", "type `integer` → `number`")
    ]


def test_union_branches_are_matched_by_component_name() -> None:
    schemas = {
        "A": {"type": "object", "properties": {"k": {"const": "a"}}},
        "B": {"type": "object", "properties": {"k": {"const": "b"}}},
    }
    a, b = {"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}
    new_schemas = {
        **schemas,
        "B": {"type": "object", "properties": {"k": {"const": "b"}, "n": {"type": "integer"}}},
    }
    old, new = (
        _doc({"anyOf": [a, b]}, schemas=schemas),
        _doc({"oneOf": [b, a]}, schemas=new_schemas),
    )
    assert _rules(old, new) == [
        ("request-property-added-optional", "$<B>.n", "property added (optional)")
    ]
    assert _rules(old, _doc({"anyOf": [a]}, schemas=schemas)) == [
        ("request-type-narrowed", "$", "branch `B` removed")
    ]


def test_recursive_schemas_terminate_and_report_once() -> None:
    def schemas(tree_extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "Tree": {
                "type": "object",
                "properties": {
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Forest"}},
                    **tree_extra,
                },
            },
            "Forest": {
                "anyOf": [
                    {"$ref": "#/components/schemas/Tree"},
                    {"$ref": "#/components/schemas/Forest"},
                    {"type": "null"},
                ]
            },
        }

    tree = {"$ref": "#/components/schemas/Tree"}
    same = _doc(tree, tree, schemas({}))
    assert _rules(same, _doc(tree, tree, schemas({}))) == []
    grown = _doc(tree, tree, schemas({"leaf": {"type": "string"}}))
    assert _rules(same, grown) == [
        ("request-property-added-optional", "$.leaf", "property added (optional)"),
        ("response-property-added", "$.leaf", "property added (optional)"),
    ]


def test_path_parameter_rename_and_header_case_are_no_change() -> None:
    old = _doc(
        {},
        path="/things/{id}",
        parameters=[
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"$ref": "#/components/parameters/Trace"},
        ],
    )
    new = _doc(
        {},
        path="/things/{thing_id}",
        parameters=[
            {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "x-trace", "in": "header", "schema": {"type": "string"}},
        ],
    )
    assert _rules(old, new) == []


def test_parameter_schema_is_compared_as_request() -> None:
    old = _doc({}, parameters=[{"name": "n", "in": "query", "schema": {"type": "integer"}}])
    new = _doc(
        {}, parameters=[{"name": "n", "in": "query", "schema": {"type": "integer", "maximum": 9}}]
    )
    (change,) = diff_documents(old, new)
    assert (change.rule, change.part, change.path) == (
        "request-bound-tightened",
        "parameter query n",
        "$",
    )


def test_order_is_stable_and_breaking_first() -> None:
    old = _doc(
        {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "string"}}},
        {"type": "object", "properties": {"z": {}, "a": {}}},
    )
    new = _doc(
        {"type": "object", "properties": {"y": {"type": "string"}}, "required": ["y"]},
        {"type": "object", "properties": {"b": {}}},
    )
    first, second = diff_documents(old, new), diff_documents(old, new)
    assert first == second
    assert [c.severity for c in first] == sorted(c.severity for c in first)
    assert [(c.rule, c.path) for c in first] == [
        ("request-property-added-required", "$.y"),
        ("response-property-removed", "$.a"),
        ("response-property-removed", "$.z"),
        ("request-property-removed", "$.a"),
        ("request-property-removed", "$.z"),
        ("response-property-added", "$.b"),
    ]


@pytest.mark.parametrize(
    ("where", "odd"),
    [
        (("responses",), ["200"]),
        (("responses", "200", "content"), 7),
        (("requestBody", "content", "application/json"), 1),
        (("security",), [["bearer"]]),
        (("parameters",), "x-trace"),
    ],
)
def test_odd_operation_shapes_are_tolerated(where: tuple[str, ...], odd: Any) -> None:
    """The lenient loader lets these through; the differ reports, it does not crash."""
    old = _doc({"type": "string"}, {"type": "string"})
    new = _doc({"type": "string"}, {"type": "string"})
    node = new["paths"]["/things"]["post"]
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = odd
    assert isinstance(diff_documents(old, new), list)
    assert isinstance(diff_documents(new, old), list)


@pytest.mark.parametrize(
    "odd",
    [
        {"type": "object", "properties": "x"},
        {"enum": True},
        {"required": [{"a": 1}, "b"]},
        {"type": "object", "properties": {1: {"type": "string"}, "a": {}}},
    ],
)
def test_odd_schema_shapes_are_tolerated(odd: Any) -> None:
    good = _doc({"type": "object", "properties": {"a": {"type": "string"}}})
    assert isinstance(diff_documents(good, _doc(odd)), list)
    assert isinstance(diff_documents(_doc(odd), good), list)
