"""The real evolution of the API (seed 001 → seed 002 → upstream → bundle), and OpenAI's spec."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from vlmspec.codegen import Change, SpecError, diff_documents, load_for_diff

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "diff"
UPSTREAM = ROOT / "spec" / "upstream" / "vlmrun-chat-completions.openapi.yaml"
BUNDLE = ROOT / "spec" / "openapi.yaml"
OPENAI = Path(__file__).resolve().parents[2] / "shared" / "specs" / "openai-openapi.yaml"
CHAT = "POST /v1/openai/chat/completions"
BODY = "request application/json"


def _load(path: Path) -> dict[str, Any]:
    document = load_for_diff(path)
    assert not isinstance(document, SpecError), document
    return document


def _diff(old: Path, new: Path) -> list[Change]:
    return diff_documents(_load(old), _load(new))


def _found(changes: list[Change], severity: str) -> set[tuple[str, str, str]]:
    return {(c.rule, c.part, c.path) for c in changes if c.severity == severity}


def test_v001_to_v002_only_adds_to_the_request() -> None:
    changes = _diff(FIXTURES / "v001.yaml", FIXTURES / "v002.yaml")
    assert _found(changes, "breaking") == set()
    assert _found(changes, "safe") == {
        ("request-enum-value-added", BODY, "$.model"),
        ("request-property-added-optional", BODY, "$.toolsets"),
        ("request-property-added-optional", BODY, "$.models"),
    }
    assert all(c.operation == CHAT for c in changes)
    (lite,) = [c for c in changes if c.rule == "request-enum-value-added"]
    assert lite.message == 'enum value(s) "vlmrun-orion-1:lite" added'


def test_v002_to_v001_removing_an_accepted_value_breaks() -> None:
    changes = _diff(FIXTURES / "v002.yaml", FIXTURES / "v001.yaml")
    assert _found(changes, "breaking") == {("request-enum-value-removed", BODY, "$.model")}
    # Upstream keeps additionalProperties: true, so dropped properties are still accepted.
    assert _found(changes, "safe") == {
        ("request-property-removed", BODY, "$.toolsets"),
        ("request-property-removed", BODY, "$.models"),
    }


_UPSTREAM_WIDENINGS = {
    # A free-form string branch: any string is accepted, so the enum beside it (which grew by
    # 10 values) changes nothing and is not reported.
    ("request-type-widened", BODY, "$.model"),
    ("request-nullable-added", BODY, "$.model"),
    ("request-type-widened", BODY, "$.preview"),  # list[str] of card names
    ("request-type-widened", BODY, "$.response_format"),  # two more formats
    ("request-nullable-added", BODY, "$.response_format"),
    ("request-nullable-added", BODY, "$.metadata"),
    ("request-property-added-optional", BODY, "$.service_tier"),
}


def test_v002_to_upstream_widens_but_drops_the_model_default() -> None:
    changes = _diff(FIXTURES / "v002.yaml", UPSTREAM)
    # Omitting `model` used to mean vlmrun-orion-1:auto; upstream leaves it to the server.
    assert _found(changes, "breaking") == {("request-default-changed", BODY, "$.model")}
    assert _found(changes, "safe") == _UPSTREAM_WIDENINGS | {
        ("request-enum-value-added", BODY, "$.toolsets[]"),  # code-execution
    }


def test_v001_to_upstream() -> None:
    changes = _diff(FIXTURES / "v001.yaml", UPSTREAM)
    assert _found(changes, "breaking") == {("request-default-changed", BODY, "$.model")}
    assert _found(changes, "safe") == _UPSTREAM_WIDENINGS | {
        ("request-property-added-optional", BODY, "$.toolsets"),
        ("request-property-added-optional", BODY, "$.models"),
    }


def test_upstream_to_bundle_only_bounding_n_breaks() -> None:
    """The overlays may document and add, but only `n` in 1..128 narrows what upstream accepts.

    An overlay that narrows the request further must update this test on purpose.
    """
    changes = _diff(UPSTREAM, BUNDLE)
    assert _found(changes, "breaking") == {
        ("request-bound-tightened", BODY, "$.n"),
    }
    assert {c.message for c in changes if c.path == "$.n"} == {
        "minimum 1 added",
        "maximum 128 added",
    }
    safe = _found(changes, "safe")
    assert {
        ("operation-added", "", ""),  # GET /v1/health
        ("response-status-added", "response 200", ""),
        ("response-type-narrowed", "response 201 application/json", "$"),  # {} → ChatCompletion
        ("response-media-type-added", "response 201 text/event-stream", ""),
        ("security-requirement-removed", "security", ""),  # anonymous (guest) calls
        ("parameter-added-optional", "parameter header x-browser-id", ""),
    } <= safe


def test_bundle_to_upstream_reverses_into_breaking() -> None:
    changes = _diff(BUNDLE, UPSTREAM)
    breaking = _found(changes, "breaking")
    assert {
        ("operation-removed", "", ""),
        ("response-success-status-removed", "response 200", ""),
        ("response-type-widened", "response 201 application/json", "$"),
        ("response-media-type-removed", "response 201 text/event-stream", ""),
        ("security-requirement-added", "security", ""),
    } <= breaking
    assert ("request-bound-loosened", BODY, "$.n") in _found(changes, "safe")


@pytest.mark.parametrize("path", [FIXTURES / "v001.yaml", FIXTURES / "v002.yaml", UPSTREAM, BUNDLE])
def test_each_version_against_itself_is_unchanged(path: Path) -> None:
    assert _diff(path, path) == []


needs_openai = pytest.mark.skipif(not OPENAI.is_file(), reason=f"{OPENAI} not present")


@pytest.fixture(scope="module")
def openai() -> dict[str, Any]:
    return _load(OPENAI)


@needs_openai
def test_openai_against_itself_is_unchanged(openai: dict[str, Any]) -> None:
    assert diff_documents(openai, copy.deepcopy(openai)) == []


@needs_openai
def test_openai_perturbed(openai: dict[str, Any]) -> None:
    new = copy.deepcopy(openai)
    del new["paths"]["/models"]["get"]
    schemas = new["components"]["schemas"]
    request, response = schemas["CreateEmbeddingRequest"], schemas["CreateEmbeddingResponse"]
    request["properties"].pop("encoding_format")  # additionalProperties: false
    request["properties"]["model"]["anyOf"].pop(0)  # the free-form string branch
    request["properties"]["input"]["oneOf"][2]["maxItems"] = 4096  # the integer-array branch
    response["properties"]["object"]["enum"].append("dict")
    response["properties"]["usage"]["required"].remove("total_tokens")
    found = {(c.operation, c.rule, c.part, c.path) for c in diff_documents(openai, new)}
    ok = "response 200 application/json"
    assert found == {
        ("GET /models", "operation-removed", "", ""),
        ("POST /embeddings", "request-property-removed-closed", BODY, "$.encoding_format"),
        ("POST /embeddings", "request-type-narrowed", BODY, "$.model"),
        ("POST /embeddings", "request-bound-loosened", BODY, "$.input<array#2>"),
        ("POST /embeddings", "response-enum-value-added", ok, "$.object"),
        ("POST /embeddings", "response-property-made-optional", ok, "$.usage.total_tokens"),
    }
