"""Overlay drift: which actions vanished, moved, no longer fit or became redundant upstream."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from vlmspec.codegen import Drift, Overlay, SpecError, overlay_drift
from vlmspec.codegen._overlay import Action
from vlmspec.codegen._overlay_drift import render_location

ROOT = Path(__file__).resolve().parent.parent
OLD: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/v1/chat": {"post": {"parameters": [{"name": "a", "in": "header"}], "responses": {}}},
    },
    "components": {
        "schemas": {
            "Request": {
                "type": "object",
                "properties": {
                    "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    "temperature": {"type": "number"},
                },
            },
            "ValidationError": {"type": "object", "properties": {"loc": {"type": "array"}}},
        }
    },
}


def action(index: int, target: str, update: Any = None, *, remove: bool = False) -> Action:
    return Action(target, f"Seed {index} says why.\n  Twice.", update, remove, index)


def overlay(*actions: Action, path: str = "spec/overlays/010-x.yaml") -> Overlay:
    return Overlay(path, "x", tuple(actions))


def drift(old: dict[str, Any] | None, new: dict[str, Any], *actions: Action) -> list[Drift]:
    return overlay_drift(old, new, [overlay(*actions)])


BOUND_N = action(0, "$.components.schemas.Request.properties.n.anyOf[0]", {"minimum": 1})
LOC = action(1, "$.components.schemas.ValidationError.properties.loc", {"minItems": 1})


def test_an_unchanged_upstream_has_no_drift() -> None:
    assert drift(OLD, copy.deepcopy(OLD), BOUND_N, LOC) == []


def test_a_renamed_target_names_the_rename_and_keeps_going() -> None:
    new = copy.deepcopy(OLD)
    properties = new["components"]["schemas"]["Request"]["properties"]
    properties["num"] = properties.pop("n")
    schemas = new["components"]["schemas"]
    schemas["ValidationIssue"] = schemas.pop("ValidationError")
    first, second = drift(OLD, new, BOUND_N, LOC)
    assert first.kind == "vanished" and first.action == "spec/overlays/010-x.yaml actions[0]"
    assert first.justification == "Seed 0 says why. Twice."
    assert first.target == BOUND_N.target
    assert first.nearest[0] == "$.components.schemas.Request.properties.num.anyOf[0]"
    assert first.detail == "the target matches nothing in the new upstream"
    # Judged although the action before it could not apply.
    assert second.kind == "vanished" and second.index == 1
    assert second.nearest[0] == "$.components.schemas.ValidationIssue.properties.loc"


def test_a_target_moved_elsewhere_is_found_by_its_trailing_name() -> None:
    new = copy.deepcopy(OLD)
    request = new["components"]["schemas"]["Request"]
    sampling = {"type": "object", "properties": {"n": request["properties"].pop("n")}}
    new["components"]["schemas"]["Sampling"] = sampling
    request["allOf"] = [{"$ref": "#/components/schemas/Sampling"}]
    (found,) = drift(OLD, new, BOUND_N)
    assert found.kind == "vanished"
    assert found.nearest[0] == "$.components.schemas.Sampling.properties.n.anyOf[0]"


def test_without_the_old_upstream_the_target_itself_is_the_clue() -> None:
    new = copy.deepcopy(OLD)
    properties = new["components"]["schemas"]["Request"]["properties"]
    properties["num"] = properties.pop("n")
    (found,) = drift(None, new, BOUND_N)
    assert found.kind == "vanished"
    assert found.nearest[0] == "$.components.schemas.Request.properties.num.anyOf[0]"
    assert found.detail == "the target matches nothing in the new upstream"
    wildcard = action(2, "$.components.schemas[?@.type == 'string']", {"minLength": 1})
    (unguessable,) = drift(None, new, wildcard)
    assert unguessable.kind == "vanished" and unguessable.nearest == ()


def test_a_wildcard_target_says_what_it_used_to_match() -> None:
    every_loc = action(0, "$.components.schemas.*.properties.loc", {"minItems": 1})
    new = copy.deepcopy(OLD)
    del new["components"]["schemas"]["ValidationError"]
    (found,) = drift(OLD, new, every_loc)
    assert found.detail == (
        "the target matches nothing in the new upstream "
        "(it matched $.components.schemas.ValidationError.properties.loc (object))"
    )


def test_nothing_near_is_an_empty_answer() -> None:
    gone = action(0, "$.components.responses.Gone", {"description": "x"})
    (found,) = drift(None, OLD, gone)
    assert found.kind == "vanished" and found.nearest == ()


def test_a_target_that_matches_other_nodes_now_has_moved() -> None:
    every_post = action(0, "$.paths.*.post", {"x-tag": "chat"})
    new = copy.deepcopy(OLD)
    new["paths"]["/v2/chat"] = {"post": {"responses": {}}}
    (found,) = drift(OLD, new, every_post)
    assert found.kind == "moved"
    assert found.detail == (
        "matched $.paths['/v1/chat'].post (object); now matches "
        "$.paths['/v1/chat'].post (object), $.paths['/v2/chat'].post (object)"
    )


def test_an_object_that_became_a_list_has_moved() -> None:
    responses = action(0, "$.paths['/v1/chat'].post.responses", {"413": {"description": "big"}})
    new = copy.deepcopy(OLD)
    new["paths"]["/v1/chat"]["post"]["responses"] = [{"description": "odd"}]
    (found,) = drift(OLD, new, responses)
    assert found.kind == "moved" and "(object); now matches" in found.detail
    assert found.detail.endswith("(list)")


def test_an_update_that_no_longer_fits_is_unfit() -> None:
    new = copy.deepcopy(OLD)
    new["components"]["schemas"]["Request"]["properties"]["n"]["anyOf"][0] = "integer"
    (found,) = drift(OLD, new, BOUND_N)
    assert found.kind == "unfit" and "cannot merge a dict" in found.detail


def test_what_upstream_now_says_makes_an_action_redundant() -> None:
    new = copy.deepcopy(OLD)
    new["components"]["schemas"]["Request"]["properties"]["n"]["anyOf"][0]["minimum"] = 1
    (found,) = drift(OLD, new, BOUND_N)
    assert found.kind == "redundant" and not found.already
    assert found.detail == "upstream already contains everything this action adds"
    # Redundant on both sides: reported, marked as not new.
    (again,) = drift(new, new, BOUND_N)
    assert again.kind == "redundant" and again.already


def test_redundancy_compares_json_values_strictly() -> None:
    for value in (1.0, True, "1"):
        new = copy.deepcopy(OLD)
        new["components"]["schemas"]["Request"]["properties"]["n"]["anyOf"][0]["minimum"] = value
        (found,) = drift(OLD, new, BOUND_N)
        assert found.kind == "overrides", value  # not redundant: `1` is what the overlay says
    partly = action(0, "$.components.schemas.Request", {"properties": {"n": {}, "top_k": {}}})
    assert drift(OLD, OLD, partly) == []  # `top_k` is not upstream yet


def test_an_appended_item_upstream_already_lists_is_redundant() -> None:
    header = {"name": "x-browser-id", "in": "header"}
    append = action(0, "$.paths['/v1/chat'].post.parameters", header)
    new = copy.deepcopy(OLD)
    new["paths"]["/v1/chat"]["post"]["parameters"].append(dict(reversed(header.items())))
    (found,) = drift(OLD, new, append)
    assert found.kind == "redundant"


def test_a_remove_action_is_never_redundant() -> None:
    remove = action(0, "$.components.schemas.Request.properties.temperature", remove=True)
    assert drift(OLD, copy.deepcopy(OLD), remove) == []


def test_actions_see_what_earlier_actions_did() -> None:
    add = action(0, "$.components.schemas", {"Health": {"type": "object"}})
    describe = action(1, "$.components.schemas.Health", {"description": "up"})
    assert drift(OLD, copy.deepcopy(OLD), add, describe) == []


def test_render_location_is_a_target_one_can_paste() -> None:
    assert render_location(()) == "$"
    assert render_location(("paths", "/v1/chat", "post", "parameters", 0)) == (
        "$.paths['/v1/chat'].post.parameters[0]"
    )
    assert render_location(("a", "it's", "x-y", "back\\slash")) == (
        "$.a['it\\'s']['x-y']['back\\\\slash']"
    )


def test_a_value_upstream_now_sets_differently_is_overridden() -> None:
    cap = action(0, "$.components.schemas.Request.properties.temperature", {"maximum": 2})
    new = copy.deepcopy(OLD)
    new["components"]["schemas"]["Request"]["properties"]["temperature"]["maximum"] = 1
    (found,) = drift(OLD, new, cap)
    assert found.kind == "overrides"
    assert found.detail == (
        "upstream now sets what this action replaces: "
        "$.components.schemas.Request.properties.temperature.maximum: upstream 1, overlay 2"
    )
    # Already so before the update, with the same values: not news.
    assert drift(new, copy.deepcopy(new), cap) == []
    # The vendor changed the value the overlay replaces: news again.
    newer = copy.deepcopy(new)
    newer["components"]["schemas"]["Request"]["properties"]["temperature"]["maximum"] = 1.5
    (again,) = drift(new, newer, cap)
    assert again.kind == "overrides" and "upstream 1.5, overlay 2" in again.detail


def test_the_vendor_documenting_its_201_body_is_reported_against_our_overlays() -> None:
    """The issue's example, on the real overlays: when upstream documents `ChatCompletion`
    itself, 010-responses either says nothing new (redundant) or overrides the vendor."""
    from vlmspec.codegen import find_project, load_document, load_overlay

    project = find_project(ROOT)
    assert project is not None and not isinstance(project, SpecError)
    today = load_document(project.upstream)
    assert not isinstance(today, SpecError)
    overlays = [load_overlay(path) for path in project.overlays]
    assert all(isinstance(o, Overlay) for o in overlays)
    real = [o for o in overlays if isinstance(o, Overlay)]
    ours = real[0].actions[0].update["ChatCompletion"]

    same = copy.deepcopy(today)
    same["components"]["schemas"]["ChatCompletion"] = copy.deepcopy(ours)
    found = overlay_drift(today, same, real)
    assert [(d.kind, d.overlay.rsplit("/", 1)[-1], d.index) for d in found] == []  # partly new

    documented = copy.deepcopy(today)
    theirs = copy.deepcopy(ours)
    theirs["required"] = [name for name in theirs["required"] if name != "usage"]
    documented["components"]["schemas"]["ChatCompletion"] = theirs
    (overrides,) = overlay_drift(today, documented, real)
    assert overrides.kind == "overrides" and overrides.overlay.endswith("010-responses.yaml")
    assert overrides.index == 0
    assert "$.components.schemas.ChatCompletion.required: upstream [" in overrides.detail
    assert overrides.justification.startswith("The upstream 201 schema is `{}`")


def test_a_renamed_path_points_every_action_on_it_to_the_new_path() -> None:
    from vlmspec.codegen import find_project, load_document, load_overlay

    project = find_project(ROOT)
    assert project is not None and not isinstance(project, SpecError)
    today = load_document(project.upstream)
    assert not isinstance(today, SpecError)
    real = [o for o in map(load_overlay, project.overlays) if isinstance(o, Overlay)]
    moved = copy.deepcopy(today)
    moved["paths"] = {path.replace("/v1/", "/v2/"): item for path, item in today["paths"].items()}
    found = overlay_drift(today, moved, real)
    on_the_path = {
        (o.path, a.index) for o in real for a in o.actions if a.target.startswith("$.paths['/v1/")
    }
    assert len(on_the_path) >= 8  # every overlay that documents the chat operation
    assert {(d.overlay, d.index) for d in found} == on_the_path
    assert {d.kind for d in found} == {"vanished"}
    for finding in found:
        assert finding.nearest[0] == finding.target.replace("/v1/", "/v2/"), finding
