"""Compare two schemas for one direction (request or response) and name every change."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from ._hints import discriminator_changes, not_changes
from ._union import regroup
from ._walk import Branch, Shape, Walker, mapping, names

__all__ = ["Direction", "Finding", "SchemaDiffer"]

Direction = Literal["request", "response"]
Finding = tuple[str, str, str]
"""(rule id, JSON path relative to the compared schema, message)."""

_MISSING = object()
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_OPAQUE = ("pattern", "format", "multipleOf")
_MAX_DEPTH = 64
"""Nesting deeper than any real schema's (OpenAI's spec: under 30 levels)."""
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _values(values: list[Any]) -> str:
    shown = ", ".join(_show(v) for v in values[:5])
    return shown + (f" (+{len(values) - 5} more)" if len(values) > 5 else "")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bound(key: str, schema: dict[str, Any]) -> Any:
    value = schema.get(key, _MISSING)
    if key == "uniqueItems":
        return True if value is True else _MISSING
    # OpenAPI 3.0's boolean exclusiveMinimum/Maximum only modify minimum/maximum: skip them.
    return _MISSING if isinstance(value, bool) else value


def _member(name: str) -> str:
    return f".{name}" if _IDENT.match(name) else f"[{json.dumps(name)}]"


def _prefix(prefix: str, findings: list[Finding]) -> list[Finding]:
    return [(rule, prefix + path, message) for rule, path, message in findings]


class SchemaDiffer:
    """Old vs new schemas seen from one side of the wire; memoised per component pair."""

    def __init__(self, old: Walker, new: Walker, direction: Direction) -> None:
        self.old, self.new, self.direction = old, new, direction
        self._memo: dict[tuple[str, str], list[Finding]] = {}
        self._active: set[tuple[str, str]] = set()
        self._depth = 0

    def _rule(self, aspect: str) -> str:
        return f"{self.direction}-{aspect}"

    def compare(self, old_node: Any, new_node: Any) -> list[Finding]:
        """Every change from ``old_node`` to ``new_node``, paths relative to them (``""``)."""
        if self._depth >= _MAX_DEPTH:
            # Recursion through a schema with no stable name (a `$ref` with constraining
            # siblings): its changes were already reported nearer the top.
            return []
        self._depth += 1
        try:
            return self._compare(old_node, new_node)
        finally:
            self._depth -= 1

    def _compare(self, old_node: Any, new_node: Any) -> list[Finding]:
        out: list[Finding] = []
        if self.direction == "request":
            out += self._default(old_node, new_node)
        old_schema, new_schema = self.old.merged(old_node), self.new.merged(new_node)
        out += not_changes(self.direction, old_schema, new_schema)
        out += discriminator_changes(self.direction, old_schema, new_schema)
        old_shape, new_shape = self.old.shape(old_node), self.new.shape(new_node)
        if old_shape.nullable != new_shape.nullable:
            aspect = "nullable-added" if new_shape.nullable else "nullable-removed"
            out.append(
                (
                    self._rule(aspect),
                    "",
                    "may now be null" if new_shape.nullable else "may no longer be null",
                )
            )
        return out + self._union(old_shape, new_shape)

    def _default(self, old_node: Any, new_node: Any) -> list[Finding]:
        # Merged: a default inside an `allOf` part (or in one of two declarations of a
        # property) is still the default.
        before = self.old.merged(old_node).get("default", _MISSING)
        after = self.new.merged(new_node).get("default", _MISSING)
        if before is after or (_MISSING not in (before, after) and _canon(before) == _canon(after)):
            return []
        if before is _MISSING:
            return [("request-default-added", "", f"default {_show(after)} added")]
        if after is _MISSING:
            return [("request-default-changed", "", f"default {_show(before)} removed")]
        return [("request-default-changed", "", f"default {_show(before)} → {_show(after)}")]

    def _union(self, old: Shape, new: Shape) -> list[Finding]:
        if old.is_any or new.is_any:
            if old.is_any == new.is_any or not (old.branches and new.branches):
                return []
            if old.is_any:
                labels = ", ".join(b.label for b in new.branches)
                return [(self._rule("type-narrowed"), "", f"was any value, now {labels}")]
            labels = ", ".join(b.label for b in old.branches)
            return [(self._rule("type-widened"), "", f"was {labels}, now any value")]
        pairs, removed, added = _match(old.branches, new.branches)
        kind = "branch" if len(old.branches) > 1 or len(new.branches) > 1 else "type"
        regrouped, removed, added = regroup(removed, added)
        out: list[Finding] = [(self._rule(aspect), "", text) for aspect, text in regrouped]
        if removed and added and not pairs and kind == "branch":
            # No branch kept (`Message` → `oneOf [A, B]`): one replacement, judged on the side
            # that may break, rather than "Message removed" beside "A added", "B added".
            aspect = "type-narrowed" if self.direction == "request" else "type-widened"
            text = f"{_labels(removed)} replaced by {_labels(added)}"
            return [*out, (self._rule(aspect), "", text)]
        out += [(self._rule("type-narrowed"), "", f"{kind} `{b.label}` removed") for b in removed]
        out += [(self._rule("type-widened"), "", f"{kind} `{b.label}` added") for b in added]
        seen: dict[str, int] = {}
        for before, after in pairs:
            found = self._branch(before, after)
            if len(pairs) > 1:  # say which branch, numbering look-alikes (three `array`s)
                count = seen[after.label] = seen.get(after.label, 0) + 1
                label = after.label if count == 1 else f"{after.label}#{count}"
                found = _prefix(f"<{label}>", found)
            out += found
        return out

    def _branch(self, old: Branch, new: Branch) -> list[Finding]:
        if old.ident is None or new.ident is None:
            return self._compare_branch(old, new)
        key = (old.ident, new.ident)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return []  # a recursive schema: its changes are reported where the cycle starts
        self._active.add(key)
        try:
            found = self._compare_branch(old, new)
        finally:
            self._active.discard(key)
        self._memo[key] = found
        return found

    def _compare_branch(self, old: Branch, new: Branch) -> list[Finding]:
        out: list[Finding] = []
        if old.type != new.type:
            wider = (old.type, new.type) == ("integer", "number")
            aspect = "type-widened" if wider else "type-narrowed"
            out.append((self._rule(aspect), "", f"type `{old.type}` → `{new.type}`"))
        out += self._enum(old.schema, new.schema)
        out += self._bounds(old.schema, new.schema)
        if new.type == "object":
            out += self._object(old.schema, new.schema)
        if new.type == "array":
            out += self._array(old.schema, new.schema)
        return out

    def _array(self, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
        out: list[Finding] = []
        old_items, new_items = old.get("items", {}), new.get("items", {})
        if "items" in old or "items" in new:
            out += _prefix("[]", self.compare(old_items, new_items))
        # A tuple position compares with what applied there before: its prefixItems entry, or
        # `items` beyond the end of the prefix (JSON Schema 2020-12).
        old_prefix, new_prefix = old.get("prefixItems"), new.get("prefixItems")
        old_prefix = old_prefix if isinstance(old_prefix, list) else []
        new_prefix = new_prefix if isinstance(new_prefix, list) else []
        for i in range(max(len(old_prefix), len(new_prefix))):
            before = old_prefix[i] if i < len(old_prefix) else old_items
            after = new_prefix[i] if i < len(new_prefix) else new_items
            out += _prefix(f"[{i}]", self.compare(before, after))
        return out

    def _enum(self, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
        before, after = old.get("enum"), new.get("enum")
        if before is None and after is None:
            return []
        if before is None:
            return [(self._rule("type-narrowed"), "", f"now limited to {_values(after or [])}")]
        if after is None:
            return [(self._rule("type-widened"), "", "enum/const restriction removed")]
        keys_before = {_canon(v): v for v in before}
        keys_after = {_canon(v): v for v in after}
        gone = [keys_before[k] for k in sorted(keys_before.keys() - keys_after.keys())]
        came = [keys_after[k] for k in sorted(keys_after.keys() - keys_before.keys())]
        out: list[Finding] = []
        if gone:
            out.append(
                (self._rule("enum-value-removed"), "", f"enum value(s) {_values(gone)} removed")
            )
        if came:
            out.append((self._rule("enum-value-added"), "", f"enum value(s) {_values(came)} added"))
        return out

    def _bounds(self, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
        out: list[Finding] = []
        tight, loose = self._rule("bound-tightened"), self._rule("bound-loosened")
        for key in (*_LOWER, *_UPPER, *_OPAQUE, "uniqueItems"):
            before, after = _bound(key, old), _bound(key, new)
            if before is after or (_MISSING not in (before, after) and before == after):
                continue
            if before is _MISSING:
                out.append((tight, "", f"{key} {_show(after)} added"))
            elif after is _MISSING:
                out.append((loose, "", f"{key} {_show(before)} removed"))
            elif key in _OPAQUE or not all(_is_number(v) for v in (before, after)):
                out.append((tight, "", f"{key} {_show(before)} → {_show(after)}"))
            else:
                higher = float(after) > float(before)
                rule = tight if higher == (key in _LOWER) else loose
                out.append((rule, "", f"{key} {_show(before)} → {_show(after)}"))
        return out

    def _object(self, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
        out: list[Finding] = []
        request = self.direction == "request"
        old_props, old_req = self._visible(self.old, old)
        new_props, new_req = self._visible(self.new, new)
        closed = new.get("additionalProperties") is False
        for name in sorted(set(old_props) | set(new_props) | old_req | new_req):
            where = _member(name)
            if name not in old_props and name not in old_req:
                status = "required" if name in new_req else "optional"
                rule = f"request-property-added-{status}" if request else "response-property-added"
                out.append((rule, where, f"property added ({status})"))
                continue
            if name not in new_props and name not in new_req:
                rule = self._rule("property-removed") + ("-closed" if request and closed else "")
                out.append((rule, where, "property removed"))
                continue
            if (name in old_req) != (name in new_req):
                aspect = "property-made-required" if name in new_req else "property-made-optional"
                out.append((self._rule(aspect), where, aspect.replace("-", " ")))
            found = self.compare(old_props.get(name, {}), new_props.get(name, {}))
            out += _prefix(where, found)
        out += self._additional(old.get("additionalProperties"), new.get("additionalProperties"))
        return out

    def _visible(self, walker: Walker, schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Properties and required names that travel this way: a ``readOnly`` property is never
        sent in a request, a ``writeOnly`` one never comes back in a response."""
        hidden = "readOnly" if self.direction == "request" else "writeOnly"
        props = mapping(schema.get("properties"))
        gone = {name for name, node in props.items() if walker.merged(node).get(hidden) is True}
        shown = {name: node for name, node in props.items() if name not in gone}
        return shown, names(schema.get("required")) - gone

    def _additional(self, old: Any, new: Any) -> list[Finding]:
        def kind(value: Any) -> str:
            if value is False:
                return "closed"
            return "schema" if isinstance(value, dict) and value else "open"

        before, after = kind(old), kind(new)
        if before == after == "schema":
            return _prefix(".*", self.compare(old, new))
        if before == after:
            return []
        order = {"closed": 0, "schema": 1, "open": 2}
        aspect = "type-widened" if order[after] > order[before] else "type-narrowed"
        return [(self._rule(aspect), "", f"additionalProperties: {before} → {after}")]


def _labels(branches: list[Branch]) -> str:
    return ", ".join(f"`{b.label}`" for b in branches)


def _match(
    old: list[Branch], new: list[Branch]
) -> tuple[list[tuple[Branch, Branch]], list[Branch], list[Branch]]:
    """Pair branches by component name or type; lone leftovers of one type pair up too."""
    old_keys, new_keys = _keys(old), _keys(new)
    new_by_key = dict(zip(new_keys, new, strict=True))
    pairs = [(b, new_by_key[k]) for k, b in zip(old_keys, old, strict=True) if k in new_by_key]
    left_old = [b for k, b in zip(old_keys, old, strict=True) if k not in new_by_key]
    left_new = [b for k, b in zip(new_keys, new, strict=True) if k not in set(old_keys)]

    def family(branch: Branch) -> str:
        return "number" if branch.type in ("integer", "number") else branch.type

    for kind in sorted({family(b) for b in left_old}):
        olds = [b for b in left_old if family(b) == kind]
        news = [b for b in left_new if family(b) == kind]
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
            left_old.remove(olds[0])
            left_new.remove(news[0])
    return pairs, left_old, left_new


def _keys(branches: list[Branch]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for branch in branches:
        count = seen[branch.key] = seen.get(branch.key, 0) + 1
        keys.append(branch.key if count == 1 else f"{branch.key}#{count}")
    return keys
