"""Follow `$ref`, merge `allOf`, and flatten unions into typed branches plus a nullable flag."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from .._validate import resolve_pointer
from ._conjoin import conjoin
from ._keywords import is_annotation, mapping, names, ref_name
from ._union import absorb, allows_null, own_keywords, restrict

__all__ = ["Branch", "Shape", "Walker", "is_annotation", "mapping", "names", "ref_name"]


@dataclass(frozen=True)
class Branch:
    """One non-union alternative: a single ``type`` (or ``any``), and where it came from."""

    label: str
    type: str
    schema: dict[str, Any]
    ref: str | None = None
    ident: str | None = None
    """What memoises and stops recursion: ``ref`` when ``schema`` is exactly that component,
    a derived name when keywords beside a union were merged into it, else None."""

    @property
    def key(self) -> str:
        """Stable matching key: the component name, else the type (enum-ness kept apart)."""
        if self.ref is not None:
            return f"ref:{self.ref}"
        return f"{self.type}:enum" if "enum" in self.schema else self.type


@dataclass
class Shape:
    branches: list[Branch] = field(default_factory=list)
    nullable: bool = False

    @property
    def is_any(self) -> bool:
        return any(b.type == "any" for b in self.branches)


def _anonymous(node: Any) -> str | None:
    """A name for a ``$ref`` whose siblings constrain it: the ref plus those siblings.

    Such a node is a different schema from its target, so it cannot share the target's name,
    but recursion through it must still stop.
    """
    if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
        return None
    siblings = {k: v for k, v in node.items() if k != "$ref" and not is_annotation(k)}
    return f"{node['$ref']}&{json.dumps(siblings, sort_keys=True, default=str)}"


def _infer_type(schema: dict[str, Any]) -> str:
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    values = schema.get("enum", [])
    kinds = {type(v).__name__ for v in values if v is not None}
    names = {
        "str": "string",
        "bool": "boolean",
        "int": "integer",
        "float": "number",
        "dict": "object",
        "list": "array",
    }
    if len(kinds) == 1:
        return names.get(kinds.pop(), "any")
    if kinds <= {"int", "float"} and kinds:
        return "number"
    return "any"


class Walker:
    """Schema navigation over one document; all methods are pure and cheap to repeat."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def deref(self, node: Any) -> tuple[dict[str, Any], str | None]:
        """Follow a ``$ref`` chain; sibling keywords of a ``$ref`` win over its target."""
        ref: str | None = None
        pure = True
        seen: set[str] = set()
        merged: dict[str, Any] = {}
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            pure = pure and all(is_annotation(k) for k in siblings)
            merged = {**siblings, **merged}
            if ref in seen:
                return {}, ref if pure else None
            seen.add(ref)
            node = resolve_pointer(self.document, ref)[1]
        schema = node if isinstance(node, dict) else {}
        # A ref with constraining siblings is a different schema from its target: no identity.
        return ({**schema, **merged} if merged else schema), ref if pure else None

    def _merge_all_of(self, schema: dict[str, Any], seen: frozenset[str]) -> dict[str, Any]:
        """``schema`` with its ``allOf`` parts conjoined into it, whatever their order."""
        parts = [{k: v for k, v in schema.items() if k != "allOf"}]
        for part in schema["allOf"]:
            sub, ref = self.deref(part)
            if ref is not None and ref in seen:
                continue
            if "allOf" in sub:
                sub = self._merge_all_of(sub, seen | ({ref} if ref else set()))
            parts.append(sub)
        merged = conjoin(parts)
        if "default" in parts[0]:
            # OpenAPI 3.0's way to set a default where a `$ref` is used (no siblings allowed):
            # `allOf: [$ref]` beside `default`. The use site's default is the one that applies.
            merged["default"] = parts[0]["default"]
        return merged

    def merged(self, node: Any) -> dict[str, Any]:
        """``node`` dereferenced, its ``allOf`` conjoined: what its own keywords say."""
        schema, ref = self.deref(node)
        if isinstance(schema.get("allOf"), list):
            return self._merge_all_of(schema, frozenset({ref} if ref else ()))
        return schema

    def shape(self, node: Any, seen: frozenset[str] = frozenset()) -> Shape:
        """Flatten ``node`` into branches; recursion through unions stops at a repeated ref."""
        schema, ref = self.deref(node)
        shape = Shape()
        if ref is not None and ref in seen:
            return shape
        name = ref if ref is not None else _anonymous(node)
        seen = seen | {ref} if ref is not None else seen
        if isinstance(schema.get("allOf"), list):
            parts = schema["allOf"]
            only_ref = len(parts) == 1 and isinstance(parts[0], dict) and "$ref" in parts[0]
            schema = self._merge_all_of(schema, seen)
            if only_ref and ref is None:
                ref = parts[0]["$ref"]
        if schema.get("nullable") is True:
            shape.nullable = True
        union = schema.get("anyOf", schema.get("oneOf"))
        if isinstance(union, list):
            # Keywords beside the union (OpenAI's `Item`: `type: object` + `oneOf`) constrain
            # every branch: walk the branches, each restricted by them.
            own = own_keywords(schema)
            for i, part in enumerate(union):
                sub = self.shape(part, seen)
                shape.nullable = shape.nullable or (sub.nullable and allows_null(own))
                for j, branch in enumerate(sub.branches):
                    # An inline branch of a component's union is named after its place, so a
                    # schema recursing through it (Forest = anyOf [{t: Forest}]) stops.
                    ident = name and f"{name}|{i}.{j}"
                    branch = restrict(branch, own, ident)
                    if branch.ident is None and ident is not None:
                        branch = replace(branch, ident=ident)
                    shape.branches.append(branch)
            shape.branches = absorb(shape.branches)
            return shape
        self._split_types(schema, ref, name, shape)
        return shape

    def _split_types(
        self, schema: dict[str, Any], ref: str | None, name: str | None, shape: Shape
    ) -> None:
        if "const" in schema:
            schema = {**schema, "enum": [schema["const"]]}
        if "enum" in schema and not isinstance(schema["enum"], list):
            schema = {k: v for k, v in schema.items() if k != "enum"}
        if isinstance(schema.get("enum"), list) and None in schema["enum"]:
            shape.nullable = True
            schema = {**schema, "enum": [v for v in schema["enum"] if v is not None]}
            if not schema["enum"]:
                return
        declared = schema.get("type")
        types = declared if isinstance(declared, list) else [declared or _infer_type(schema)]
        for kind in types:
            if kind == "null":
                shape.nullable = True
                continue
            label = ref_name(ref) if ref is not None else str(kind)
            # One name per type: `type: [object, array]` gives two branches to memoise apart.
            ident = name if name is None or len(types) == 1 else f"{name}:{kind}"
            shape.branches.append(Branch(label, str(kind), schema, ref, ident))
