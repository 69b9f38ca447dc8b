"""Follow `$ref`, merge `allOf`, and flatten unions into typed branches plus a nullable flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._validate import resolve_pointer

__all__ = ["Branch", "Shape", "Walker", "mapping", "names", "ref_name"]

# Keywords that do not change which values a schema accepts.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "externalDocs",
        "xml",
        "discriminator",
        "x-stainless-const",
    }
)
_STRUCTURAL = frozenset({"type", "properties", "items", "additionalProperties", "enum", "const"})


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else empty: a lenient load lets odd shapes through."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def names(value: Any) -> set[str]:
    """The strings of a list such as ``required`` (anything else in it is ignored)."""
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def ref_name(ref: str) -> str:
    """The last token of a pointer: ``#/components/schemas/Message`` → ``Message``."""
    return ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True)
class Branch:
    """One non-union alternative: a single ``type`` (or ``any``), and where it came from."""

    label: str
    type: str
    schema: dict[str, Any]
    ref: str | None = None

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
            pure = pure and all(k in _ANNOTATIONS for k in siblings)
            merged = {**siblings, **merged}
            if ref in seen:
                return {}, ref if pure else None
            seen.add(ref)
            node = resolve_pointer(self.document, ref)[1]
        schema = node if isinstance(node, dict) else {}
        # A ref with constraining siblings is a different schema from its target: no identity.
        return ({**schema, **merged} if merged else schema), ref if pure else None

    def _merge_all_of(self, schema: dict[str, Any], seen: frozenset[str]) -> dict[str, Any]:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            sub, ref = self.deref(part)
            if ref is not None and ref in seen:
                continue
            if "allOf" in sub:
                sub = self._merge_all_of(sub, seen | ({ref} if ref else set()))
            for key, value in sub.items():
                if key == "properties":
                    merged["properties"] = {**mapping(value), **mapping(merged.get("properties"))}
                elif key == "required":
                    merged["required"] = sorted(names(value) | names(merged.get("required")))
                else:
                    merged.setdefault(key, value)
        return merged

    def shape(self, node: Any, seen: frozenset[str] = frozenset()) -> Shape:
        """Flatten ``node`` into branches; recursion through unions stops at a repeated ref."""
        schema, ref = self.deref(node)
        shape = Shape()
        if ref is not None and ref in seen:
            return shape
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
        own = any(k in schema for k in _STRUCTURAL)
        if isinstance(union, list) and not own:
            for part in union:
                sub = self.shape(part, seen)
                shape.nullable = shape.nullable or sub.nullable
                shape.branches.extend(sub.branches)
            return shape
        self._split_types(schema, ref, shape)
        return shape

    def _split_types(self, schema: dict[str, Any], ref: str | None, shape: Shape) -> None:
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
            shape.branches.append(Branch(label, str(kind), schema, ref))
