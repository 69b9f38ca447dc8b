"""JSON Schema instances: every produced instance validates; bad schemas are located."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vlmspec.refserver._instance as refserver_instance
from vlmspec.conformance._strategies import object_schemas
from vlmspec.refserver._instance import NoInstance, SchemaProblem, check_schema, instance_for
from vlmspec.refserver._instance_search import search_instance
from vlmspec.refserver._regex import string_for_pattern, strings_for_pattern

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


_FORMATS = ["date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uuid"]
_POINT = {
    "type": "object",
    "required": ["x", "y"],
    "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
}
# Keywords the builder must handle itself (no search): bounds, key patterns, dependencies, items.
BUILT: list[Any] = [
    {
        "type": "object",
        "properties": {"x": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}},
        "required": ["x"],
    },
    {
        "type": "object",
        "patternProperties": {"^x-": {"type": "integer"}},
        "minProperties": 2,
        "additionalProperties": False,
    },
    {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "minProperties": 1},
    {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 3},
    {"type": "integer", "exclusiveMaximum": -7, "multipleOf": 2.5},
    {"type": "integer", "exclusiveMinimum": 2.5, "exclusiveMaximum": 3.5},
    {"type": "number", "exclusiveMinimum": 1.5, "exclusiveMaximum": 1.75},
    {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "multipleOf": 0.1},
    {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "exclusiveMinimum": True,
        "exclusiveMaximum": True,
    },
    {
        "type": "object",
        "propertyNames": {"enum": ["red", "green", "blue"]},
        "minProperties": 2,
        "additionalProperties": {"type": "boolean"},
    },
    {"type": "object", "propertyNames": {"maxLength": 3}, "minProperties": 2},
    {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": {"minimum": 3},
    },
    {
        "type": "object",
        "properties": {"id": {"type": "integer"}},
        "patternProperties": {
            "^s_": {"type": "string", "minLength": 2},
            "^n_": {"type": "number", "exclusiveMaximum": 0},
        },
        "additionalProperties": False,
        "minProperties": 4,
        "required": ["id"],
    },
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
        "required": ["a"],
        "dependentSchemas": {"a": {"required": ["b"], "properties": {"b": {"format": "email"}}}},
    },
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["card"],
        "dependencies": {
            "card": ["billing"],
            "billing": {"required": ["zip"], "properties": {"zip": {"pattern": "^[0-9]{5}$"}}},
        },
    },
    {
        "type": "array",
        "items": {"type": "integer"},
        "contains": {"minimum": 10, "multipleOf": 5},
        "minContains": 3,
        "maxContains": 3,
        "uniqueItems": True,
    },
    {
        "type": "array",
        "contains": {"type": "string"},
        "minContains": 2,
        "maxContains": 2,
        "minItems": 4,
        "items": {"type": ["string", "integer"]},
    },
    {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}],
        "items": False,
        "contains": {"const": True},
    },
    {"type": "array", "items": {"enum": ["a", "b", "c", "d"]}, "minItems": 4, "uniqueItems": True},
    {
        "type": "array",
        "items": {"type": "string", "pattern": "^[A-Z]{2}[0-9]$"},
        "minItems": 3,
        "uniqueItems": True,
    },
    {
        "type": "array",
        "minItems": 3,
        "uniqueItems": True,
        "items": {
            "type": "object",
            "required": ["id", "tag"],
            "properties": {"id": {"type": "integer", "minimum": 1}, "tag": {"enum": ["x", "y"]}},
        },
    },
    {
        "type": "array",
        "items": {"type": "string", "format": "email"},
        "minItems": 3,
        "uniqueItems": True,
    },
    {
        "type": "object",
        "required": _FORMATS,
        "properties": {name: {"type": "string", "format": name} for name in _FORMATS},
    },
    {
        "type": "object",
        "properties": {"kind": {"enum": ["a", "b"]}, "n": {"type": "integer"}},
        "required": ["kind"],
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"required": ["n"], "properties": {"n": {"minimum": 100}}},
        "else": {"properties": {"n": {"maximum": -1}}},
    },
    {"type": "integer", "if": {"minimum": 10}, "then": {"multipleOf": 7}, "else": {"maximum": -5}},
    {"oneOf": [{"type": "number", "multipleOf": 2}, {"type": "number", "multipleOf": 3}]},
    {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    {"oneOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]},
    {
        "$defs": {
            "tree": {
                "type": "object",
                "required": ["value", "children"],
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/tree"}},
                },
            }
        },
        "type": "array",
        "items": {"$ref": "#/$defs/tree"},
        "minItems": 2,
    },
    {
        "$defs": {
            "base": {
                "type": "object",
                "properties": {"id": {"type": "string", "format": "uuid"}},
                "required": ["id"],
            }
        },
        "allOf": [
            {"$ref": "#/$defs/base"},
            {"properties": {"name": {"type": "string", "minLength": 3}}, "required": ["name"]},
        ],
        "unevaluatedProperties": False,
    },
    {
        "$defs": {"p": _POINT},
        "type": "object",
        "required": ["a", "b"],
        "properties": {
            "a": {"anyOf": [{"$ref": "#/$defs/p"}, {"type": "null"}]},
            "b": {"type": "array", "items": {"$ref": "#/$defs/p"}, "minItems": 2},
        },
    },
    {
        "type": "object",
        "required": ["v", "c"],
        "properties": {"v": {"enum": [None, 1, "x"], "type": "string"}, "c": {"const": [1, {}]}},
    },
    {
        "type": "array",
        "minItems": 2,
        "items": {
            "type": "object",
            "required": ["rows"],
            "properties": {
                "rows": {
                    "type": "array",
                    "minItems": 2,
                    "items": {
                        "type": "object",
                        "required": ["cells"],
                        "properties": {
                            "cells": {
                                "type": "array",
                                "prefixItems": [{"type": "number", "exclusiveMinimum": 0}],
                                "minItems": 1,
                            }
                        },
                    },
                }
            },
        },
    },
    {"type": "string", "not": {"enum": ["example", "example1"]}},
    {"type": "string", "pattern": "^[a-f0-9]+$", "minLength": 32, "maxLength": 32},
    {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        },
        "required": ["name", "tags"],
        "additionalProperties": False,
    },
]


@pytest.mark.parametrize("schema", BUILT, ids=range(len(BUILT)))
def test_builder_covers_common_keywords(schema: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_search(schema: Any, validator: Any) -> Any:
        raise AssertionError("the builder fell back to the search")

    monkeypatch.setattr(refserver_instance, "search_instance", no_search)
    check_schema(schema)
    value = instance_for(schema)
    # Draft 2020-12 unless the schema names its draft (as drafts 4 and 7 above do).
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    assert "$schema" in schema or cls is jsonschema.Draft202012Validator
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(value)
    assert instance_for(copy.deepcopy(schema)) == value


# What the builder cannot guess (a `not` that rules its usual picks out) goes to the search.
SEARCHED: list[Any] = [
    {"type": "string", "not": {"pattern": "^(example|[a-z])"}},
    {"type": "object", "minProperties": 2, "not": {"required": ["key0"]}},
    BUILT[0],
    BUILT[1],
    BUILT[2],
]


@pytest.mark.parametrize("schema", SEARCHED, ids=range(len(SEARCHED)))
def test_search_fallback_is_valid_and_deterministic(schema: Any) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    value = search_instance(schema, validator)
    validator.validate(value)
    assert search_instance(copy.deepcopy(schema), validator) == value
    assert instance_for(schema) is not None or validator.is_valid(None)


def test_search_is_deterministic_across_processes() -> None:
    schema = SEARCHED[0]
    here = search_instance(schema, jsonschema.Draft202012Validator(schema))
    code = (
        "import json, sys, jsonschema; "
        "from vlmspec.refserver._instance_search import search_instance; "
        "s = json.loads(sys.argv[1]); "
        "print(json.dumps(search_instance(s, jsonschema.Draft202012Validator(s))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(schema)], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == here


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}},
        {"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 2},
        {"type": "object", "propertyNames": {"maxLength": 0}, "minProperties": 2},
    ],
)
def test_search_reports_no_instance(schema: Any) -> None:
    with pytest.raises(NoInstance):
        search_instance(schema, jsonschema.Draft202012Validator(schema))


_KEY_PATTERNS = ["^x_", "_id$", "^[a-z]{2,}$", "^p[0-9]+$"]


@st.composite
def constrained_objects(draw: st.DrawFn) -> dict[str, Any]:
    """Satisfiable object schemas, with the keywords the plain strategy leaves out added."""
    schema = draw(object_schemas())
    names = list(schema["properties"])
    open_ended = schema.get("additionalProperties") is not False
    pattern = draw(st.sampled_from(_KEY_PATTERNS))
    # A pattern that matched a declared name would add its constraints to that property's.
    if draw(st.booleans()) and not any(re.search(pattern, name) for name in names):
        schema["patternProperties"] = {pattern: draw(_leaves())}
        open_ended = True
    if draw(st.booleans()):
        schema["propertyNames"] = {"pattern": "^[a-z][a-z0-9_]*$", "maxLength": 12}
    if draw(st.booleans()):
        low = draw(st.integers(0, 3 if open_ended else len(names)))
        schema["minProperties"] = low
        if draw(st.booleans()):
            schema["maxProperties"] = max(low, len(names))
    if len(names) >= 2 and draw(st.booleans()):
        first, second = names[:2]
        if draw(st.booleans()):
            schema["dependentRequired"] = {first: [second]}
        else:
            schema["dependentSchemas"] = {first: {"required": [second]}}
    return schema


def _leaves() -> st.SearchStrategy[dict[str, Any]]:
    def numeric(kind: str, low: int, width: int, step: int | None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": kind, "exclusiveMinimum": low}
        schema["exclusiveMaximum"] = low + width + (step or 1) * 2
        if step:
            schema["multipleOf"] = step
        return schema

    words = st.lists(st.text("abcxyz", min_size=1, max_size=3), min_size=3, max_size=5, unique=True)
    return st.one_of(
        st.builds(
            numeric,
            st.sampled_from(["integer", "number"]),
            st.integers(-50, 50),
            st.integers(0, 5),
            st.none() | st.integers(1, 7),
        ),
        st.builds(
            lambda values, low: {
                "type": "array",
                "items": {"enum": values},
                "uniqueItems": True,
                "minItems": min(low, len(values)),
            },
            words,
            st.integers(0, 5),
        ),
        st.builds(
            lambda low: {
                "type": "array",
                "items": {"type": "integer"},
                "contains": {"type": "integer", "minimum": 5},
                "minContains": low,
            },
            st.integers(1, 3),
        ),
        st.sampled_from([{"type": "string", "format": f} for f in _FORMATS]),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=constrained_objects())
def test_random_object_schemas_get_valid_instances(schema: dict[str, Any]) -> None:
    value = instance_for(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(value)
    assert instance_for(copy.deepcopy(schema)) == value


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
    text = string_for_pattern(pattern, low, high)
    assert text is not None
    assert re.search(pattern, text)
    assert len(text) >= low and (high is None or len(text) <= high)


def test_impossible_patterns_give_none() -> None:
    assert string_for_pattern("^$", 1) is None
    assert string_for_pattern("(", 0) is None


@pytest.mark.parametrize(
    ("pattern", "count"), [("^x-", 5), ("^[A-Z]{2}[0-9]$", 4), ("_id$", 6), ("^p[0-9]+$", 3)]
)
def test_pattern_strings_are_distinct(pattern: str, count: int) -> None:
    found = strings_for_pattern(pattern, 0, None, count)
    assert len(found) == count == len(set(found))
    assert all(re.search(pattern, text) for text in found)
