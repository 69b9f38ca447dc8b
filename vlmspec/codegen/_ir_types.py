"""JSON Schema → the Python type expression the generated code annotates and validates with."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANNOTATION_KEYWORDS",
    "Param",
    "TypeRef",
    "identifier",
    "json_media_type",
    "params",
    "py_type",
    "resolve",
]

# Keywords that say nothing about which values a schema accepts (JSON Schema's annotations and
# OpenAPI's own); `x-` extensions are annotations too, matched by prefix where it matters.
ANNOTATION_KEYWORDS = frozenset(
    {"title", "description", "default", "examples", "example", "deprecated", "$comment"}
    | {"readOnly", "writeOnly", "externalDocs", "xml"}
)

_COMPONENT = "#/components/schemas/"
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


@dataclass(frozen=True)
class TypeRef:
    """A type expression over model names, e.g. ``list[Pet] | None``.

    ``model`` is set when the expression is one generated class with ``model_validate_json``;
    otherwise the generated code validates through a ``pydantic.TypeAdapter``.
    """

    expr: str
    names: tuple[str, ...]  # component names the expression uses (to import from models)
    model: str | None


_ANY = TypeRef("Any", (), None)


@dataclass(frozen=True)
class Param:
    """A path, query, header or cookie parameter."""

    name: str  # wire name
    location: str  # path | query | header | cookie
    py_name: str
    required: bool
    type: TypeRef
    constraints: tuple[tuple[str, str], ...]  # (pydantic.Field keyword, Python literal)
    is_array: bool


# Field constraints a parameter schema may carry, as pydantic.Field keywords.
_CONSTRAINTS = {
    "maxLength": "max_length",
    "minLength": "min_length",
    "pattern": "pattern",
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "maxItems": "max_length",
    "minItems": "min_length",
}


def resolve(document: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """Follow local `$ref`s (``#/...``) until a non-reference node; {} when unresolvable."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 32:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = document
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or token not in target:
                return {}
            target = target[token]
        node, depth = target, depth + 1
    return node if node is not None else {}


def json_media_type(content: Mapping[str, Any]) -> str | None:
    """The first JSON media type (``application/json``, ``application/*+json``) in ``content``."""
    for media in content:
        base = media.split(";")[0].strip().lower()
        if base == "application/json" or (
            base.startswith("application/") and base.endswith("+json")
        ):
            return media
    return None


def py_type(document: Mapping[str, Any], schema: Any, depth: int = 0) -> TypeRef:
    """The Python type for ``schema``; a component reference becomes its model's name."""
    if not isinstance(schema, dict) or depth > 8:
        return _ANY
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref[len(_COMPONENT) :] if ref.startswith(_COMPONENT) else ""
        target = resolve(document, schema)
        if not name.isidentifier() or not isinstance(target, dict):
            return py_type(document, target, depth + 1)
        # Enum and const components are generated as Enum classes or Literal aliases.
        is_model = "enum" not in target and "const" not in target
        return TypeRef(name, (name,), name if is_model else None)
    if "const" in schema:
        return TypeRef(f"Literal[{schema['const']!r}]", (), None)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        values = [v for v in schema["enum"] if isinstance(v, str | int | bool) or v is None]
        if len(values) == len(schema["enum"]):
            literal = TypeRef(f"Literal[{', '.join(repr(v) for v in values)}]", (), None)
            return literal
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list) and branches:
        return _union([py_type(document, b, depth + 1) for b in branches])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([py_type(document, {**schema, "type": k}, depth + 1) for k in kind])
    if kind in _SCALARS:
        return TypeRef(_SCALARS[kind], (), None)
    if kind == "array":
        item = py_type(document, schema.get("items") or {}, depth + 1)
        return TypeRef(f"list[{item.expr}]", item.names, None)
    if kind == "object" or "properties" in schema:
        return TypeRef("dict[str, Any]", (), None)
    return _ANY


def _union(parts: list[TypeRef]) -> TypeRef:
    if any(p.expr == "Any" for p in parts):
        return _ANY
    exprs: list[str] = []
    for part in parts:
        if part.expr not in exprs:
            exprs.append(part.expr)
    if "None" in exprs:  # `X | None` reads better than `None | X`
        exprs = [e for e in exprs if e != "None"] + ["None"]
    names = tuple(dict.fromkeys(n for p in parts for n in p.names))
    if len(exprs) == 1:
        return parts[0]
    return TypeRef(" | ".join(exprs), names, None)


def params(document: Mapping[str, Any], raw: list[Any]) -> tuple[Param, ...]:
    """Path-item and operation parameters (the latter win), with unique Python names."""
    by_key: dict[tuple[str, str], Param] = {}
    taken = {"self", "body", "context"}
    for value in raw:
        spec = resolve(document, value)
        name, location = str(spec.get("name", "")), str(spec.get("in", ""))
        if not name or location not in {"path", "query", "header", "cookie"}:
            continue
        schema = resolve(document, spec.get("schema") or {})
        kind = py_type(document, spec.get("schema") or {})
        is_array = schema.get("type") == "array" or "list[" in kind.expr.split("|")[0]
        constraints = tuple(
            (keyword_, repr(schema[key]))
            for key, keyword_ in _CONSTRAINTS.items()
            if key in schema and isinstance(schema[key], int | float | str)
        )
        required = bool(spec.get("required", False)) or location == "path"
        param = Param(name, location, "", required, kind, constraints, is_array)
        by_key[(location, name.lower() if location == "header" else name)] = param
    params: list[Param] = []
    for param in by_key.values():
        py_name = identifier(param.name)
        while py_name in taken:
            py_name += "_"
        taken.add(py_name)
        params.append(Param(**{**param.__dict__, "py_name": py_name}))
    return tuple(params)


def identifier(text: str) -> str:
    """snake_case Python identifier for ``text`` (a summary, an operationId, a wire name)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    name = re.sub(r"[^0-9a-zA-Z]+", "_", words).strip("_").lower() or "op"
    if name[0].isdigit():
        name = f"op_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name
