"""How overlays fare when the upstream file changes: actions that vanished, moved or became moot.

`overlay_drift(old, new, overlays)` applies every action in order to both upstream versions side
by side and reports, per action (file + index, with the justification its `description` carries):

- **vanished**: the target matches nothing in the new upstream (the bundle cannot be built); the
  report names the nearest targets that exist now (a similarly named sibling of the deepest part
  of the old location that still exists, or the same trailing key elsewhere);
- **moved**: the target still matches, but other nodes than before, or nodes of another kind
  (an object that became a list is appended to instead of merged into);
- **redundant**: applying the action changes nothing, because upstream already says what it adds;
- **overrides**: upstream now sets, differently, a value the action replaces (the overlay wins
  silently unless someone looks: the vendor may have documented the thing the overlay guessed);
- **unfit**: the target matches, but the update cannot be merged into what it matches now.

Nothing here reads or writes files: callers pass parsed documents and loaded overlays.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import jsonpath_rfc9535 as jsonpath

from ._errors import SpecError
from ._loader import Document
from ._overlay import Action, Overlay, apply_overlay

__all__ = ["DRIFT_KINDS", "Drift", "DriftKind", "overlay_drift", "render_location"]

DriftKind = Literal["vanished", "moved", "unfit", "overrides", "redundant"]
DRIFT_KINDS: tuple[DriftKind, ...] = ("vanished", "moved", "unfit", "overrides", "redundant")

Location = tuple[str | int, ...]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Keys that say nothing about *what* a location is; a trailing run of them is matched together
# with the name before it (`n.anyOf[0]`, not just `anyOf[0]`).
_STRUCTURAL = frozenset(
    {"properties", "items", "anyOf", "oneOf", "allOf", "content", "schema", "parameters"}
)
_MAX_NEAREST = 3


@dataclass(frozen=True)
class Drift:
    """One overlay action whose relation to the upstream file changed."""

    kind: DriftKind
    overlay: str
    """The overlay file, as the caller named it."""
    index: int
    """The action's index in the overlay's `actions` list."""
    target: str
    justification: str
    """The action's `description`: the sentence that justifies it."""
    detail: str
    """One line saying what happened."""
    nearest: tuple[str, ...] = ()
    """For a vanished target: the closest existing locations, as JSONPath, best first."""
    already: bool = False
    """For a redundant action: it was a no-op on the old upstream too."""

    @property
    def action(self) -> str:
        """``file actions[i]``: how a reviewer finds the action."""
        return f"{self.overlay} actions[{self.index}]"


def render_location(location: Location) -> str:
    """A normalized location as a JSONPath a person can paste into an overlay's `target`."""
    parts = ["$"]
    for step in location:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            parts.append(f".{step}")
        else:
            escaped = step.replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)


_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | \[\s*'(?P<single>(?:[^'\\]|\\.)*)'\s*\]
      | \[\s*"(?P<double>(?:[^"\\]|\\.)*)"\s*\]
      | \[\s*(?P<index>\d+)\s*\]""",
    re.VERBOSE,
)


def _parse_target(target: str) -> Location | None:
    """The location a target names when it is a plain chain of names and indexes, else None."""
    if not target.startswith("$"):
        return None
    steps: list[str | int] = []
    position = 1
    while position < len(target):
        match = _TOKEN.match(target, position)
        if match is None:
            return None  # wildcards, descendants, filters: no single location to compare
        if match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            quoted = match["name"] or match["single"] or match["double"] or ""
            steps.append(re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return tuple(steps)


def _walk(node: Any, location: Location = ()) -> Iterator[tuple[Location, Any]]:
    stack: list[tuple[Location, Any]] = [(location, node)]
    while stack:
        where, value = stack.pop()
        yield where, value
        if isinstance(value, dict):
            stack.extend(((*where, key), child) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend(((*where, index), child) for index, child in enumerate(value))


def _lookup(document: Any, location: Location) -> tuple[bool, Any]:
    node = document
    for step in location:
        in_object = isinstance(node, dict) and isinstance(step, str) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (in_object or in_list):
            return False, None
        node = node[step]
    return True, node


def _tail(location: Location) -> Location:
    """The identifying end of a location: from its last non-structural name on."""
    for cut in range(len(location) - 1, -1, -1):
        step = location[cut]
        if isinstance(step, str) and step not in _STRUCTURAL:
            return location[cut:]
    return location


def _nearest(wanted: Sequence[Location], document: Document) -> tuple[str, ...]:
    """Existing locations closest to the ``wanted`` ones that vanished, best first."""
    scored: dict[Location, float] = {}
    every = [where for where, _ in _walk(document) if where]
    for location in wanted:
        text = render_location(location)

        def score(candidate: Location, bonus: float, text: str = text) -> None:
            ratio = difflib.SequenceMatcher(None, text, render_location(candidate)).ratio()
            scored[candidate] = max(scored.get(candidate, 0.0), ratio + bonus)

        # A similarly named sibling under the deepest part that still exists (a rename).
        depth = len(location)
        while depth > 0 and not _lookup(document, location[:depth])[0]:
            depth -= 1
        found, parent = _lookup(document, location[:depth])
        if found and isinstance(parent, dict) and depth < len(location):
            missing = location[depth]
            names = [key for key in parent if isinstance(key, str)]
            if isinstance(missing, str):
                for name in difflib.get_close_matches(missing, names, n=_MAX_NEAREST, cutoff=0.5):
                    renamed = (*location[:depth], name, *location[depth + 1 :])
                    if _lookup(document, renamed)[0]:
                        score(renamed, 1.0)  # the rest of the path is intact: almost certainly it
                    else:
                        score((*location[:depth], name), 0.5)
        # The same identifying tail elsewhere (a move).
        tail = _tail(location)
        for candidate in every:
            if candidate[-len(tail) :] == tail and candidate != location:
                score(candidate, 0.5)
    ranked = sorted(scored.items(), key=lambda item: (-item[1], render_location(item[0])))
    return tuple(render_location(where) for where, _ in ranked[:_MAX_NEAREST])


def _same(left: Any, right: Any) -> bool:
    """Equality of parsed YAML/JSON values in which `1`, `1.0` and `true` all differ (they
    generate different code); the order of keys does not matter."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        pairs = zip(left, right, strict=False)
        return len(left) == len(right) and all(_same(a, b) for a, b in pairs)
    return bool(left == right)


def _contains(target: dict[str, Any], update: dict[str, Any]) -> bool:
    """True when an Overlay merge of ``update`` into ``target`` would change nothing."""
    for key, value in update.items():
        if key not in target:
            return False
        if isinstance(value, dict) and isinstance(target[key], dict):
            if not _contains(target[key], value):
                return False
        elif not _same(target[key], value):
            return False
    return True


def _overridden(
    target: dict[str, Any], update: dict[str, Any], where: Location = ()
) -> list[tuple[Location, Any, Any]]:
    """(relative location, upstream value, overlay value) for each value the merge replaces."""
    found: list[tuple[Location, Any, Any]] = []
    for key, value in update.items():
        if key not in target:
            continue
        if isinstance(value, dict) and isinstance(target[key], dict):
            found += _overridden(target[key], value, (*where, key))
        elif not _same(target[key], value):
            found.append(((*where, key), target[key], value))
    return found


def _overrides(action: Action, matched: Sequence[tuple[Location, Any]]) -> dict[Location, str]:
    """Absolute location → "upstream X, overlay Y" for every value the action replaces."""
    if action.remove or not isinstance(action.update, dict):
        return {}
    found: dict[Location, str] = {}
    for location, value in matched:
        if isinstance(value, dict):
            for relative, theirs, ours in _overridden(value, action.update):
                found[(*location, *relative)] = f"upstream {_short(theirs)}, overlay {_short(ours)}"
    return found


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_noop(action: Action, values: Sequence[Any]) -> bool:
    if action.remove or not values:
        return False
    for value in values:
        if isinstance(value, list):
            if not any(_same(item, action.update) for item in value):
                return False
        elif (
            not isinstance(value, dict)
            or not isinstance(action.update, dict)
            or not _contains(value, action.update)
        ):
            return False
    return True


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "object" if isinstance(value, dict) else "value"


def _describe(matched: Sequence[tuple[Location, Any]]) -> str:
    shown = ", ".join(f"{render_location(loc)} ({_kind(value)})" for loc, value in matched[:3])
    more = f" and {len(matched) - 3} more" if len(matched) > 3 else ""
    return shown + more if matched else "nothing"


def _find(target: str, document: Document) -> list[tuple[Location, Any]]:
    return [(tuple(node.location), node.value) for node in jsonpath.find(target, document)]


def _apply(document: Document, overlay: Overlay, action: Action) -> Document | SpecError:
    return apply_overlay(document, Overlay(overlay.path, overlay.title, (action,)))


def _step(
    overlay: Overlay, action: Action, before: Document | None, after: Document
) -> tuple[list[Drift], Document | None, Document]:
    """Compare one action on both sides, then apply it to each side it fits."""

    def drift(kind: DriftKind, detail: str, **extra: Any) -> Drift:
        justification = " ".join(action.description.split())
        return Drift(
            kind, overlay.path, action.index, action.target, justification, detail, **extra
        )

    found: list[Drift] = []
    was = _find(action.target, before) if before is not None else None
    now = _find(action.target, after)
    if not now:
        wanted = [loc for loc, _ in was or []]
        parsed = _parse_target(action.target)
        if not wanted and parsed:
            wanted = [parsed]
        detail = "the target matches nothing in the new upstream"
        if was and [render_location(loc) for loc, _ in was] != [action.target]:
            detail += f" (it matched {_describe(was)})"
        found.append(drift("vanished", detail, nearest=_nearest(wanted, after)))
    else:
        applied = _apply(after, overlay, action)
        if isinstance(applied, SpecError):
            found.append(drift("unfit", applied.detail))
        else:
            after = applied
            if was is not None and (
                [loc for loc, _ in was] != [loc for loc, _ in now]
                or [_kind(v) for _, v in was] != [_kind(v) for _, v in now]
            ):
                detail = f"matched {_describe(was)}; now matches {_describe(now)}"
                found.append(drift("moved", detail))
            overridden = _overrides(action, now)
            for location, text in _overrides(action, was or []).items():
                if overridden.get(location) == text:
                    del overridden[location]  # replaced before this update too: not news
            if overridden:
                shown = "; ".join(
                    f"{render_location(loc)}: {text}" for loc, text in list(overridden.items())[:3]
                )
                more = f"; and {len(overridden) - 3} more" if len(overridden) > 3 else ""
                detail = f"upstream now sets what this action replaces: {shown}{more}"
                found.append(drift("overrides", detail))
            if _is_noop(action, [value for _, value in now]):
                already = bool(was) and _is_noop(action, [value for _, value in was or []])
                detail = "upstream already contains everything this action adds"
                found.append(drift("redundant", detail, already=already))
    if before is not None and was:
        previous = _apply(before, overlay, action)
        if not isinstance(previous, SpecError):
            before = previous
    return found, before, after


def overlay_drift(old: Document | None, new: Document, overlays: Sequence[Overlay]) -> list[Drift]:
    """Every action of ``overlays`` whose effect on ``new`` differs from its effect on ``old``
    (or, without ``old``, that does not apply cleanly to ``new``), in application order.

    Actions apply in order on each side, as the bundle applies them; an action that cannot
    apply to the new upstream is skipped there, so every later action is still judged.
    """
    found: list[Drift] = []
    before: Document | None = copy.deepcopy(old) if old is not None else None
    after: Document = copy.deepcopy(new)
    for overlay in overlays:
        for action in overlay.actions:
            drifts, before, after = _step(overlay, action, before, after)
            found.extend(drifts)
    return found
