"""JSON Schema instances: every produced instance validates; bad schemas are located."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from refserver._instance import NoInstance, SchemaProblem, check_schema, instance_for
from refserver._regex import string_for_pattern

SPEC = Path(__file__).resolve().parents[1] / "spec" / "openapi.yaml"

SCHEMAS: list[Any] = [
    {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}, "b": {}}},
    {"type": "string", "minLength": 12, "maxLength": 12},
    {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
    {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$", "minLength": 7},
    {"type": "string", "pattern": "^(?=.*\\d)[a-z\\d]{8,}$"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "ipv6"},
    {"type": "integer", "minimum": 5, "maximum": 5},
    {"type": "integer", "exclusiveMinimum": 10, "multipleOf": 7},
    {"type": "number", "minimum": 0.5, "maximum": 0.7, "multipleOf": 0.25},
    {"type": "number", "exclusiveMaximum": -3.5},
    {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "integer",
        "minimum": 5,
        "exclusiveMinimum": True,
    },
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "array",
        "items": [{"type": "string"}, {"type": "integer"}],
        "minItems": 2,
    },
    {"type": "array", "prefixItems": [{"const": 1}], "items": {"type": "boolean"}, "minItems": 3},
    {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3, "uniqueItems": True},
    {"type": "array", "contains": {"type": "string", "const": "x"}, "items": {"type": "string"}},
    {"enum": [1, "two", None]},
    {"const": {"fixed": [1, 2]}},
    {"type": ["null", "string"], "pattern": "^[a-z]{4}$"},
    {"anyOf": [{"type": "string", "minLength": 3, "maxLength": 2}, {"type": "boolean"}]},
    {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 1}]},
    {
        "allOf": [
            {"type": "object", "required": ["x"]},
            {"properties": {"x": {"enum": ["a", "b"], "not": {"const": "a"}}}},
        ]
    },
    {"type": "integer", "not": {"const": 0}},
    {
        "$defs": {
            "item": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}},
            }
        },
        "type": "array",
        "items": {"$ref": "#/$defs/item"},
        "minItems": 2,
    },
    {
        "definitions": {
            "node": {
                "type": "object",
                "required": ["v"],
                "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/definitions/node"}},
            }
        },
        "$ref": "#/definitions/node",
    },
    {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {"q": {"type": "boolean"}},
    },
    {"type": "object", "required": ["k"], "patternProperties": {"^k$": {"type": "number"}}},
    {"type": "object", "required": ["a"], "dependentRequired": {"a": ["b"]}},
    {
        "type": "object",
        "properties": {"when": {"type": "string", "format": "date"}},
        "required": ["when"],
        "additionalProperties": {"type": "integer"},
        "minProperties": 3,
    },
    {
        "$id": "https://example.com/root.json",
        "$defs": {"s": {"$anchor": "str", "type": "string"}},
        "$ref": "#str",
    },
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}},
        "if": {"required": ["a"]},
        "then": {"required": ["b"]},
        "required": ["a"],
    },
    True,
    {},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_instance_validates(schema: Any) -> None:
    check_schema(schema)
    value = instance_for(schema)
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(value)
    assert json.loads(json.dumps(value)) == value
    assert instance_for(copy.deepcopy(schema)) == value  # deterministic


def _spec_component_schemas() -> list[tuple[str, dict[str, Any]]]:
    document = yaml.safe_load(SPEC.read_text())
    components = document["components"]["schemas"]
    text = json.dumps(components).replace("#/components/schemas/", "#/$defs/")
    defs = json.loads(text)
    return [(name, {**defs[name], "$defs": defs}) for name in sorted(defs)]


@pytest.mark.parametrize(("name", "schema"), _spec_component_schemas())
def test_instances_of_the_spec_own_schemas(name: str, schema: dict[str, Any]) -> None:
    value = instance_for(schema)
    jsonschema.Draft202012Validator(schema).validate(value)


@pytest.mark.parametrize(
    "schema",
    [
        False,
        {"type": "string", "minLength": 5, "maxLength": 3},
        {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {"type": "integer", "minimum": 3, "maximum": 2},
        {"$ref": "https://example.com/remote.json"},
    ],
)
def test_unsatisfiable_or_remote_schemas_raise(schema: Any) -> None:
    with pytest.raises(NoInstance):
        instance_for(schema)


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ({"type": "foo"}, ["type"]),
        ({"properties": {"a": {"minimum": "x"}}}, ["properties", "a", "minimum"]),
        ({"pattern": "("}, ["pattern"]),
        ({"required": "a"}, ["required"]),
        ({"items": [{"type": 3}]}, ["items"]),
    ],
)
def test_invalid_schemas_are_located(schema: Any, path: list[Any]) -> None:
    with pytest.raises(SchemaProblem) as caught:
        check_schema(schema)
    assert caught.value.path == path
    assert caught.value.message


@pytest.mark.parametrize(
    ("pattern", "low", "high"),
    [
        ("^[a-z]+@[a-z]+\\.org$", 0, None),
        ("(ab|cd){3}\\1", 0, None),
        ("x", 10, 12),
        ("^[^a-c]+$", 2, 3),
        ("^\\w\\W\\d\\D\\s\\S$", 0, None),
        ("^a{2,}?b*c+?$", 0, None),
    ],
)
def test_pattern_strings_match(pattern: str, low: int, high: int | None) -> None:
    import re

    text = string_for_pattern(pattern, low, high)
    assert text is not None
    assert re.search(pattern, text)
    assert len(text) >= low and (high is None or len(text) <= high)


def test_impossible_patterns_give_none() -> None:
    assert string_for_pattern("^$", 1) is None
    assert string_for_pattern("(", 0) is None
