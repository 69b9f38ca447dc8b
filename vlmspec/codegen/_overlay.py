"""Apply OpenAPI Overlay 1.0 documents: RFC 9535 JSONPath targets, `update` and `remove`."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath

from ._errors import SpecError
from ._loader import Document, load_document

__all__ = ["Action", "Overlay", "apply_overlay", "load_overlay"]


@dataclass(frozen=True)
class Action:
    target: str
    description: str
    update: Any
    remove: bool
    index: int


@dataclass(frozen=True)
class Overlay:
    path: str
    title: str
    actions: tuple[Action, ...]


def _action_error(path: str, index: int, detail: str) -> SpecError:
    return SpecError("invalid overlay", detail, path, f"$.actions[{index}]")


def load_overlay(path: Path) -> Overlay | SpecError:
    """Read and check the shape of an Overlay document (not yet applied)."""
    doc = load_document(path)
    if isinstance(doc, SpecError):
        return doc
    where = str(path)
    version = doc.get("overlay")
    if not isinstance(version, str) or not version.startswith("1."):
        return SpecError("not an Overlay 1.x document", "`overlay: 1.0.0` is missing", where, "$")
    info = doc.get("info")
    title = info.get("title", "") if isinstance(info, dict) else ""
    raw_actions = doc.get("actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        return SpecError(
            "invalid overlay", "`actions` must be a non-empty list", where, "$.actions"
        )
    actions: list[Action] = []
    for index, raw in enumerate(raw_actions):
        if not isinstance(raw, dict):
            return _action_error(where, index, "an action must be a mapping")
        target = raw.get("target")
        if not isinstance(target, str) or not target:
            return _action_error(where, index, "`target` must be a JSONPath string")
        try:
            jsonpath.compile(target)
        except jsonpath.JSONPathError as exc:
            return _action_error(where, index, f"bad JSONPath {target!r}: {exc}")
        remove = raw.get("remove", False)
        if not isinstance(remove, bool):
            return _action_error(where, index, "`remove` must be true or false")
        if "update" not in raw and not remove:
            return _action_error(where, index, "an action needs `update` or `remove: true`")
        description = raw.get("description", "")
        actions.append(Action(target, str(description), raw.get("update"), remove, index))
    return Overlay(where, str(title), tuple(actions))


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Overlay 1.0 merge: objects merge key by key, any other value replaces."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _parent_and_key(root: Document, location: tuple[str | int, ...]) -> tuple[Any, str | int]:
    parent: Any = root
    for step in location[:-1]:
        parent = parent[step]
    return parent, location[-1]


def _location_key(node: Any) -> list[tuple[int, int, str]]:
    return [(0, s, "") if isinstance(s, int) else (1, 0, s) for s in node.location]


def apply_overlay(document: Document, overlay: Overlay) -> Document | SpecError:
    """Return a new document with every action applied in order.

    An action whose target selects nothing is an error: after an upstream change it would
    otherwise fall silently out of effect.
    """
    result = copy.deepcopy(document)
    for action in overlay.actions:
        nodes = jsonpath.find(action.target, result)
        where = f"$.actions[{action.index}].target"
        if not nodes:
            detail = f"target {action.target!r} matches nothing in the document"
            return SpecError("overlay target matches nothing", detail, overlay.path, where)
        if action.remove:
            # Delete from the deepest and highest index first, so earlier locations stay valid.
            for node in sorted(nodes, key=_location_key, reverse=True):
                if not node.location:
                    return SpecError(
                        "invalid overlay", "cannot remove the root", overlay.path, where
                    )
                parent, key = _parent_and_key(result, node.location)
                del parent[key]
            continue
        for node in nodes:
            value = node.value
            if isinstance(value, list):
                value.append(copy.deepcopy(action.update))
            elif isinstance(value, dict) and isinstance(action.update, dict):
                _merge(value, action.update)
            else:
                detail = f"cannot merge a {type(action.update).__name__} into {node.path()}"
                return SpecError(
                    "overlay update does not fit its target", detail, overlay.path, where
                )
    return result
