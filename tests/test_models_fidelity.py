"""Differential test: the generated models accept exactly what the bundle's JSON Schema accepts.

Valid instances come from the schema (Schemathesis's JSON Schema generator: the one conformance
uses; hypothesis-jsonschema 0.23 does not run on this Hypothesis); invalid ones are mutations
aimed at known traps. The oracle is `jsonschema` (Draft 2020-12, components resolvable by $ref);
each instance goes through `model_validate` and `model_validate_json`.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pydantic
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.jsonschema.builder import build
from schemathesis.generation.jsonschema.context import Alphabet

import vlmspec.generated.models as models
from vlmspec.codegen import load_spec

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT: dict[str, Any] = load_spec(ROOT / "spec" / "openapi.yaml")  # type: ignore[assignment]
COMPONENTS = DOCUMENT["components"]
SCHEMAS: dict[str, Any] = COMPONENTS["schemas"]
PROPERTY_NAMES = sorted(
    {name for schema in SCHEMAS.values() for name in schema.get("properties", {})} | {"schema_"}
)
# Values that trip lax validators: numeric strings, bools for numbers, null, 1.0 for integers,
# bounds of `n`, empty containers, strings outside every enum, the Python name of an alias.
TRAPS: list[Any] = [
    "0.5", "1", "true", "", "not-an-enum-value", True, False, None, 0, 1, -1, 128, 129,
    1.0, 0.5, -2.5, 10**20, [], [None], [1], {}, {"schema_": {}}, {"schema": {}},
]  # fmt: skip
MAIN = [
    "AgentChatCompletionsRequest",
    "ChatCompletion",
    "ChatCompletionChunk",
    "HTTPValidationError",
]
MUTATIONS_PER_DRAW = 9


@functools.cache
def oracle(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema_for(name))


def schema_for(name: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/schemas/{name}",
        "components": COMPONENTS,
    }


def valid_instances(name: str) -> st.SearchStrategy[Any]:
    return build(schema_for(name), draft=jsonschema_rs.Draft202012, formats={}, alphabet=Alphabet())


def _locations(value: Any, parent: Any = None, key: Any = None) -> list[tuple[Any, Any]]:
    """(container, key) of every value inside ``value``, (None, None) for the root."""
    found = [(parent, key)]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _locations(v, value, k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _locations(v, value, i)
    return found


def _get(root: Any, parent: Any, key: Any) -> Any:
    return root if parent is None else parent[key]


def mutate(root: Any, data: st.DataObject) -> Any:
    """One mutation at one place: replace, delete, add, 1 → 1.0 / true, rename an alias, ..."""
    root = copy.deepcopy(root)
    parent, key = data.draw(st.sampled_from(_locations(root)))
    value = _get(root, parent, key)
    kinds = ["replace", "stringify", "set_property", "delete"]
    if isinstance(value, int) and not isinstance(value, bool):
        kinds += ["int_to_float", "int_to_bool", "int_to_float"]
    if isinstance(value, dict) and "schema" in value:
        kinds.append("rename_schema")
    if isinstance(value, list) and value:
        kinds.append("empty_list")
    kind = data.draw(st.sampled_from(kinds))
    if kind == "replace":
        new: Any = data.draw(st.sampled_from(TRAPS))
    elif kind == "stringify":
        new = json.dumps(value)
    elif kind == "int_to_float":
        new = float(value)
    elif kind == "int_to_bool":
        new = bool(value)
    elif kind == "empty_list":
        new = []
    elif kind == "rename_schema":
        new = {("schema_" if k == "schema" else k): v for k, v in value.items()}
    else:
        target = value if isinstance(value, dict) else parent if isinstance(parent, dict) else None
        if target is None:
            return data.draw(st.sampled_from(TRAPS))
        if kind == "delete" and target:
            del target[data.draw(st.sampled_from(sorted(target)))]
        else:
            name = data.draw(st.sampled_from(PROPERTY_NAMES))
            target[name] = data.draw(st.sampled_from(TRAPS))
        return root
    if parent is None:
        return new
    parent[key] = new
    return root


def model_verdicts(target: Any, instance: Any) -> tuple[bool, bool]:
    """(accepted by validate_python, accepted by validate_json)."""
    is_model = isinstance(target, type) and issubclass(target, pydantic.BaseModel)
    adapter = None if is_model else pydantic.TypeAdapter(target)
    verdicts = []
    for mode in ("python", "json"):
        try:
            if is_model and mode == "python":
                target.model_validate(instance)
            elif is_model:
                target.model_validate_json(json.dumps(instance))
            elif mode == "python":
                adapter.validate_python(instance)  # type: ignore[union-attr]
            else:
                adapter.validate_json(json.dumps(instance))  # type: ignore[union-attr]
            verdicts.append(True)
        except pydantic.ValidationError:
            verdicts.append(False)
    return verdicts[0], verdicts[1]


def check_agreement(name: str, instance: Any, counts: dict[bool, int]) -> None:
    expected = oracle(name).is_valid(instance)
    by_python, by_json = model_verdicts(getattr(models, name), instance)
    counts[expected] = counts.get(expected, 0) + 1
    shown = f"JSON Schema says {expected} for {json.dumps(instance)[:2000]}"
    assert by_python == expected, f"{name}.model_validate says {by_python}; {shown}"
    assert by_json == expected, f"{name}.model_validate_json says {by_json}; {shown}"


def run_differential(name: str, draws: int) -> dict[bool, int]:
    """``draws`` schema-valid instances, each checked with ``MUTATIONS_PER_DRAW`` mutants."""
    counts: dict[bool, int] = {}

    @settings(
        max_examples=draws,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(instance=valid_instances(name), data=st.data())
    def differential(instance: Any, data: st.DataObject) -> None:
        check_agreement(name, instance, counts)
        for _ in range(MUTATIONS_PER_DRAW):
            check_agreement(name, mutate(instance, data), counts)

    differential()
    return counts


@pytest.mark.parametrize("name", MAIN)
def test_main_models_agree_with_json_schema(name: str) -> None:
    counts = run_differential(name, draws=220)
    total = sum(counts.values())
    assert total >= 2000
    # Both sides must be exercised, or agreement proves little.
    assert counts.get(True, 0) >= total // 10, counts
    assert counts.get(False, 0) >= total // 10, counts


@pytest.mark.parametrize("name", sorted(set(SCHEMAS) - set(MAIN)))
def test_every_component_agrees_with_json_schema(name: str) -> None:
    counts = run_differential(name, draws=20)
    assert sum(counts.values()) >= 20 * (MUTATIONS_PER_DRAW + 1)


# --- Small specs: one keyword pydantic cannot spell per case (no download needed) --------------


def small_models(tmp_path: Path, schemas: dict[str, Any], openapi: str = "3.1.0") -> Any:
    """The models module generated for ``schemas`` as `generate` does (normalised first: names,
    inline schemas, discriminators), imported under a name of its own."""
    from vlmspec.codegen import render_models
    from vlmspec.codegen._names import normalise

    document = {"openapi": openapi, "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": copy.deepcopy(schemas)}
    source = render_models(normalise(document)[0], "small")
    assert isinstance(source, str), source
    name = f"small_models_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{name}.py").write_text(source, "utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


def agree(module: Any, schemas: dict[str, Any], name: str, instance: Any, openapi: str) -> bool:
    """Both validation modes agree with jsonschema on ``instance``; returns the verdict."""
    components = {"schemas": as_2020(schemas, openapi)}
    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    expected = jsonschema.Draft202012Validator(schema).is_valid(instance)
    assert model_verdicts(getattr(module, name), instance) == (expected, expected), instance
    return bool(expected)


def as_2020(node: Any, openapi: str) -> Any:
    """`nullable: true` as JSON Schema 2020-12 says it: a `null` alternative.

    OAS 3.0's keyword; in 3.1 documents it is no keyword at all, but authors who write it mean
    it, and Schemathesis (our conformance engine) honours it in 3.1 too: so do the models, the
    one deliberate reading beyond JSON Schema's own (README, "Fidelity on the corpus").
    """
    if isinstance(node, list):
        return [as_2020(item, openapi) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: as_2020(v, openapi) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") is True else converted


_OBJECT = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_NULLABLE_USER = {"title": "User", "type": ["object", "null"], "properties": {"login": _STR}}
_USER_OR_TEAM = {
    "oneOf": [{"$ref": "#/components/schemas/User"}, {"$ref": "#/components/schemas/Team"}]
}
_TWO_OR_THREE = {
    "oneOf": [{"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 3}]
}
_SAME_TWICE = {"oneOf": [{**_STR, "title": "A"}, {**_STR, "title": "B"}]}
_CARD = {"properties": {"a": _STR, "n": _STR}, "required": ["a"]}
_BANK = {"properties": {"b": _STR, "n": _STR}, "required": ["b"]}
_ELECTRIC = "#/components/schemas/Electric"
SMALL_CASES: dict[str, tuple[str, dict[str, Any], str, list[tuple[Any, bool]]]] = {
    # GitHub REST's InteractionsGetRestrictionsForOrg200Response: `oneOf: [X, {closed, empty}]`
    # (the generator wrote `dict[str, Any]` for the branch: any object passed, and X's matches
    # counted twice).
    "empty closed object as a branch and an item": (
        "3.1.0",
        {
            "Limit": {"type": "object", "required": ["limit"], "properties": {"limit": _STR}},
            "Either": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Limit"},
                    {"type": "object", "properties": {}, "additionalProperties": False},
                ]
            },
            "Nothings": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": False},
            },
            "Holder": {
                "type": "object",
                "properties": {
                    "e": {"$ref": "#/components/schemas/Either"},
                    "n": {"$ref": "#/components/schemas/Nothings"},
                },
            },
        },
        "Holder",
        [
            ({"e": {}}, True),
            ({"e": {"limit": "x"}}, True),
            ({"e": {"limit": "x", "b": 2}}, True),
            ({"e": {"a": 1}}, False),
            ({"n": [{}, {}]}, True),
            ({"n": [{"a": 1}]}, False),
        ],
    ),
    # An inline `repository` object met first took the component's name (GitHub's Repository).
    "component keeps its name": (
        "3.1.0",
        {
            "Event": {"type": "object", "properties": {"repository": {**_OBJECT, "required": []}}},
            "Repository": _OBJECT,
        },
        "Repository",
        [({"id": 1}, True), ({}, False), ({"id": "x"}, False)],
    ),
    # GitHub REST's NullableDeployment, recursive-tree's NodeRef.
    # Honoured in 3.1 as Schemathesis honours it (OpenAI's spec: 111 of them).
    "3.1 document with nullable": (
        "3.1.0",
        {"Params": {"type": "object", "properties": {"n": {"type": "integer", "nullable": True}}}},
        "Params",
        [({"n": None}, True), ({"n": 1}, True), ({"n": "x"}, False)],
    ),
    "3.0 nullable object component": (
        "3.0.3",
        {"Deployment": {**_OBJECT, "nullable": True}},
        "Deployment",
        [(None, True), ({"id": 1}, True), ({}, False), (1, False)],
    ),
    # GitHub webhooks' AutoMerge.
    "3.1 [object, null] component": (
        "3.1.0",
        {"AutoMerge": {**_OBJECT, "type": ["object", "null"]}},
        "AutoMerge",
        [(None, True), ({"id": 1}, True), ({}, False), ("x", False)],
    ),
    # Petstore's Pet and Error: `required`/`properties` without `type`.
    "object keywords without type": (
        "3.0.0",
        {
            "Pet": {"required": ["id"], "properties": {"id": {"type": "integer"}}},
            "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
        },
        "Pets",
        [([None, 0.5, "x", [], {"id": 1}], True), ([{}], False), ([{"id": "1"}], False)],
    ),
    # GitHub's WebhooksPullRequest5: `requested_reviewers` items are a oneOf (User, Team).
    "oneOf in array items": (
        "3.0.3",
        {
            "User": {**_OBJECT, "nullable": True},
            "Team": {"type": "object", "required": ["slug"], "properties": {"slug": _STR}},
            "PR": {
                "type": "object",
                "properties": {"reviewers": {"type": "array", "items": _USER_OR_TEAM}},
            },
        },
        "PR",
        [
            ({"reviewers": [None, {"id": 1}, {"slug": "s"}]}, True),
            ({"reviewers": [{"id": 1, "slug": "s"}]}, False),  # matches both branches
        ],
    ),
    # FastAPI writes `discriminator.mapping` for a tag with a default that is not required
    # (Airflow's EdgeJobFetched.command): a body without the tag that exactly one branch accepts
    # is valid, and a tagged union refused it; a mapping that disagrees with a const is dropped.
    "discriminator with mapping on an optional tag": (
        "3.1.0",
        {
            "Task": {
                "type": "object",
                "required": ["ti"],
                "properties": {"ti": _STR, "type": {"type": "string", "const": "Task"}},
            },
            "Call": {
                "type": "object",
                "required": ["cb", "type"],
                "properties": {"cb": _STR, "type": {"type": "string", "const": "Call"}},
            },
            "Job": {
                "type": "object",
                "required": ["command", "other"],
                "properties": {
                    "command": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Task"},
                            {"$ref": "#/components/schemas/Call"},
                        ],
                        "discriminator": {
                            "propertyName": "type",
                            "mapping": {
                                "Task": "#/components/schemas/Task",
                                "Call": "#/components/schemas/Call",
                            },
                        },
                    },
                    "other": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Call"},
                            {"$ref": "#/components/schemas/Task"},
                        ],
                        "discriminator": {"propertyName": "type", "mapping": {"C": "Call"}},
                    },
                },
            },
        },
        "Job",
        [
            ({"command": {"ti": "x"}, "other": {"cb": "y", "type": "Call"}}, True),
            ({"command": {"ti": "x", "type": "Task"}, "other": {"ti": "z"}}, True),
            ({"command": {"cb": "x", "type": "Call"}, "other": {"ti": "z"}}, True),
            ({"command": {"cb": "x"}, "other": {"ti": "z"}}, False),
            ({"command": {"ti": "x", "type": "Call"}, "other": {"ti": "z"}}, False),
            ({"command": {"ti": "x"}, "other": {"cb": "y", "type": "C"}}, False),
            ({"command": {"ti": "x", "cb": "y", "type": "Call"}, "other": {"ti": "z"}}, True),
        ],
    ),
    # An independent review of public documents (openapi-core's petstore, a FastAPI app).
    "integer enums refuse booleans; x-python-type is ignored; typed extras on a subclass": (
        "3.0.3",
        {
            "Base": {"type": "object", "properties": {"id": _STR}},
            "Counts": {
                "allOf": [{"$ref": "#/components/schemas/Base"}],
                "additionalProperties": {"type": "integer"},
            },
            "Flags": {
                "type": "object",
                "properties": {
                    "bit": {"type": "integer", "enum": [0, 1]},
                    "status": {"type": "string", "x-python-type": "typing.Any"},
                    "counts": {"$ref": "#/components/schemas/Counts"},
                },
            },
        },
        "Flags",
        [
            ({"bit": 1, "status": "s", "counts": {"a": 1}}, True),
            ({"bit": True}, False),
            ({"bit": False}, False),
            ({"status": 1}, False),
            ({"status": None}, False),
            ({"counts": {"a": "x"}}, False),
            ({"counts": {"a": True}}, False),
        ],
    ),
    # openapi-core's petstore `PetCreate` (allOf beside oneOf: the allOf was dropped) and
    # jupyterhub's `RequestIdentity` (oneOf inside allOf: exactly-one was lost).
    "allOf beside oneOf, and oneOf inside allOf": (
        "3.1.0",
        {
            "P": {"type": "object", "required": ["name"], "properties": {"name": _STR}},
            "C": {"type": "object", "required": ["ears"], "properties": {"ears": _BOOL}},
            "D": {"type": "object", "required": ["wings"], "properties": {"wings": _BOOL}},
            "X": {
                "allOf": [{"$ref": "#/components/schemas/P"}],
                "oneOf": [{"$ref": "#/components/schemas/C"}, {"$ref": "#/components/schemas/D"}],
            },
            "A": {"type": "object", "properties": {"kind": {"enum": ["a"]}}},
            "B": {"type": "object", "properties": {"kind": {"enum": ["b"]}}},
            "W": {
                "allOf": [
                    {
                        "oneOf": [
                            {"$ref": "#/components/schemas/A"},
                            {"$ref": "#/components/schemas/B"},
                        ]
                    },
                    {"type": "object", "properties": {"x": _STR}},
                ]
            },
            "Both": {
                "type": "object",
                "properties": {
                    "x": {"$ref": "#/components/schemas/X"},
                    "w": {"$ref": "#/components/schemas/W"},
                },
            },
        },
        "Both",
        [
            ({"x": {"name": "n", "ears": True}, "w": {"kind": "a"}}, True),
            ({"x": {"ears": True}}, False),
            ({"x": {"name": 1, "ears": True}}, False),
            ({"x": {"name": "n", "ears": True, "wings": False}}, False),
            ({"x": {"name": "n"}}, False),
            ({"w": {}}, False),
            ({"w": {"kind": "b", "x": "s"}}, True),
            ({"w": {"kind": "a", "x": 1}}, False),
        ],
    ),
    "oneOf as a component": (
        "3.1.0",
        {"Code": _TWO_OR_THREE},
        "Code",
        [(4, True), (9, True), (6, False), (5, False)],
    ),
    # ReadMe's polymorphism example: branches equal but for `title`/`description` become one
    # member of the union (every string matches both: none is valid).
    "oneOf of branches equal but for annotations": (
        "3.0.3",
        {
            "Event": {
                "type": "object",
                "properties": {
                    "event": {"type": "string", "oneOf": [{"description": "a"}, {"title": "b"}]},
                    "mixed": {"oneOf": [{**_STR, "title": "A"}, _STR, {"type": "integer"}]},
                    "items": {"type": "array", "items": _SAME_TWICE},
                },
            },
        },
        "Event",
        [
            ({}, True),
            ({"event": "x"}, False),
            ({"mixed": 1}, True),
            ({"mixed": "x"}, False),
            ({"items": []}, True),
            ({"items": ["x"]}, False),
        ],
    ),
    "oneOf component of branches equal but for annotations": (
        "3.1.0",
        {"Same": _SAME_TWICE},
        "Same",
        [("x", False), (1, False)],
    ),
    # Train Travel's BookingPayment.source (the Card branch has no `type`).
    "typeless object branch of a property's anyOf": (
        "3.1.0",
        {
            "Payment": {
                "type": "object",
                "properties": {"source": {"anyOf": [_CARD, {**_BANK, "type": "object"}]}},
            }
        },
        "Payment",
        [
            ({"source": True}, True),
            ({"source": "x"}, True),
            ({"source": {"a": "x"}}, True),
            ({"source": {"n": "x"}}, False),
        ],
    ),
    # Train Travel's BookingPayment.source: a property is evaluated by any branch that matches.
    "unevaluatedProperties over anyOf branches": (
        "3.1.0",
        {
            "Payment": {
                "type": "object",
                "properties": {
                    "source": {
                        "type": "object",
                        "unevaluatedProperties": False,
                        "anyOf": [_CARD, _BANK],
                    }
                },
            }
        },
        "Payment",
        [
            ({"source": {"a": "x", "n": "y"}}, True),
            ({"source": {"a": "x", "b": "y"}}, True),  # both match: both evaluate
            ({"source": {"a": "x", "c": 1}}, False),
            ({"source": {"a": "x", "b": 1}}, False),  # only the first matches: `b` unevaluated
            ({"source": {}}, False),
            ({"source": 1}, False),
        ],
    ),
    # ReadMe's discriminators example: a base's mapping made the subclasses' optional
    # `powerSource` string a required Literal, and a `$ref` to the base a union of subclasses.
    "discriminator mapping on a base": (
        "3.0.3",
        {
            "Base": {
                "type": "object",
                "properties": {"kind": _STR},
                "discriminator": {"propertyName": "kind", "mapping": {"e": _ELECTRIC}},
            },
            "Electric": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"amps": {"type": "integer"}}},
                ]
            },
            "Holder": {
                "type": "object",
                "properties": {"v": {"$ref": "#/components/schemas/Base"}},
            },
        },
        "Holder",
        [({"v": {}}, True), ({"v": {"kind": "x", "amps": "1"}}, True), ({"v": 1}, False)],
    ),
    # Its PatchMappingWithDuplicateSchemasRequest: the mapped branches lack the tag.
    "discriminator mapping to branches without the tag": (
        "3.0.3",
        {
            "A": {"type": "object", "required": ["x"], "properties": {"x": _STR}},
            "B": {"type": "object", "required": ["y"], "properties": {"y": _STR}},
            "Either": {
                "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                "discriminator": {"propertyName": "tag", "mapping": {"a": "A", "b": "B"}},
            },
        },
        "Either",
        [({"x": "1"}, True), ({"tag": "a", "y": "2"}, True), ({"x": "1", "y": "2"}, False)],
    ),
    "oneOf in additionalProperties": (
        "3.1.0",
        {"Scores": {"type": "object", "additionalProperties": _TWO_OR_THREE}},
        "Scores",
        [({"a": 4, "b": 9}, True), ({"a": 6}, False)],
    ),
    "uniqueItems on a component and in items": (
        "3.1.0",
        {
            "Tags": {"type": "array", "uniqueItems": True, "items": _STR},
            "Grid": {"type": "array", "items": {"$ref": "#/components/schemas/Tags"}},
            "Rows": {"type": "array", "items": {"type": "array", "uniqueItems": True}},
        },
        "Grid",
        [([["a", "b"], []], True), ([["a", "a"]], False)],
    ),
    "uniqueItems in inline items": (
        "3.1.0",
        {"Rows": {"type": "array", "items": {"type": "array", "uniqueItems": True}}},
        "Rows",
        [([[1, "1"], []], True), ([[1, 1.0]], False), ([[{"a": 1}, {"a": 1}]], False)],
    ),
    # keywords-31's Record.not_empty; a typeless numeric `not` (vacuously true of non-numbers).
    "not on properties and items": (
        "3.1.0",
        {
            "Record": {
                "type": "object",
                "properties": {
                    "not_empty": {"not": {"const": ""}},
                    "codes": {"type": "array", "items": {"not": {"multipleOf": 3}}},
                },
            }
        },
        "Record",
        [
            ({"not_empty": "x", "codes": [1, 2, 4.5]}, True),
            ({"not_empty": None}, True),
            ({"not_empty": ""}, False),
            ({"codes": [6]}, False),
            ({"codes": ["x"]}, False),  # "x" is valid against {multipleOf: 3}, so excluded
        ],
    ),
    # OpenAI's ImageRefParam: `not: {required: [image_url, file_id]}` beside an anyOf.
    "not on a component": (
        "3.1.0",
        {
            "ImageRef": {
                "type": "object",
                "properties": {"a": _STR, "b": _STR},
                "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
                "not": {"required": ["a", "b"]},
                "additionalProperties": False,
            },
            "Plain": {
                "type": "object",
                "properties": {"a": _STR, "b": _STR},
                "not": {"required": ["a", "b"]},
            },
        },
        "ImageRef",
        [({"a": "x"}, True), ({"b": "y"}, True), ({"a": "x", "b": "y"}, False), (5, False)],
    ),
    "not on a model": (
        "3.1.0",
        {
            "Plain": {
                "type": "object",
                "properties": {"a": _STR, "b": _STR},
                "not": {"required": ["a", "b"]},
            },
        },
        "Plain",
        [({"a": "x"}, True), ({}, True), ({"a": "x", "b": "y"}, False), ([], False)],
    ),
    # GitHub webhooks' WebhooksIssue (and WebhookIssuesTyped through it): an allOf elsewhere
    # merges the same nullable `user` with a non-null one, and the generator shares one model
    # (the names matter: they decide which site the generator models first).
    "null kept on a property whose model is shared": (
        "3.1.0",
        {
            "WebhookIssueCommentCreated": {
                "type": "object",
                "properties": {
                    "issue": {
                        "allOf": [
                            {"type": "object", "properties": {"user": _NULLABLE_USER}},
                            {
                                "type": "object",
                                "properties": {"user": {"type": "object", "properties": {}}},
                            },
                        ]
                    }
                },
            },
            "WebhooksIssue": {
                "type": "object",
                "properties": {"user": _NULLABLE_USER},
                "required": ["user"],
            },
        },
        "WebhooksIssue",
        [({"user": None}, True), ({"user": {"login": "x"}}, True), ({"user": 1}, False)],
    ),
    # Stripe's QuotesResourceComputed (through Price): `format` is an annotation in JSON Schema.
    "formats the generator maps to other types": (
        "3.0.3",
        {
            "Price": {
                "type": "object",
                "properties": {
                    "unit_amount_decimal": {"type": "string", "format": "decimal"},
                    "amount": {"type": "number", "format": "decimal"},
                    "at": {"type": "number", "format": "unixtime"},
                    "when": {"type": "integer", "format": "date-time"},
                    "id": {"type": "string", "format": "uuid4"},
                },
            }
        },
        "Price",
        [
            ({"unit_amount_decimal": "", "id": "x"}, True),
            ({"amount": 1.5, "at": 1.5, "when": 5}, True),
            ({"amount": "1.5"}, False),
            ({"when": "2020-01-01T00:00:00Z"}, False),
        ],
    ),
    # A subclass inherits its base's validator; its own typed allOf part refuses null again.
    "allOf on a nullable base": (
        "3.0.3",
        {
            "Base": {**_OBJECT, "nullable": True},
            "Child": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"x": _STR}},
                ]
            },
        },
        "Child",
        [(None, False), ({"id": 1, "x": "a"}, True), ({"x": "a"}, False)],
    ),
}


@pytest.mark.parametrize("case", sorted(SMALL_CASES))
def test_small_spec_models_agree_with_json_schema(tmp_path: Path, case: str) -> None:
    openapi, schemas, name, instances = SMALL_CASES[case]
    module = small_models(tmp_path, schemas, openapi)
    for instance, valid in instances:
        assert agree(module, schemas, name, instance, openapi) is valid, instance
