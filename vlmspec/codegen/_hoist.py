"""Inline request and response schemas become components, so they get models like any other.

An operation whose body or JSON response is written inline (`{type: object, properties: …}`, an
`allOf`) would otherwise be annotated `dict[str, Any]` or `Any`, and neither the server nor the
client would check it. ``hoist_inline`` moves each such schema into `components.schemas` under a
name derived from where it is used and replaces it with a `$ref`:

- a request body of operation `createBooking` → `CreateBookingRequest`;
- its `200` response → `CreateBooking200Response` (`4XX` → `CreateBooking4XXResponse`,
  `default` → `CreateBookingDefaultResponse`); a second JSON media type of the same response
  gets a number;
- a schema of `components.responses.NotFound` / `components.requestBodies.Pet` →
  `NotFoundResponse` / `PetRequestBody`, once for every operation that refers to it;
- an array of inline objects keeps its `list[...]` annotation; its items are hoisted
  (`…Item`); an object that also admits null is hoisted without it and annotated `X | None`.

Schemas that need no model keep their direct annotation: `$ref`s, scalars, arrays of those,
unions of those, and a bare `{type: object}` (any object). A name never takes one a component
(or the models module) already uses: a clash gets the next free number, in document order, so
the names are stable across runs.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ._ir_types import json_media_type

__all__ = ["hoist_inline", "needs_model"]

_PREFIX = "#/components/schemas/"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords that make an object schema more than "any object".
_OBJECT_KEYWORDS = frozenset(
    {"properties", "required", "patternProperties", "minProperties", "maxProperties"}
    | {"propertyNames", "dependentRequired", "dependentSchemas", "unevaluatedProperties"}
)


def _pascal(text: str) -> str:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", words) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or "Operation"
    return name if name[0].isalpha() else f"Op{name}"


def needs_model(schema: Any) -> bool:
    """Whether ``schema`` (unresolved) is an inline object or composite a type cannot express."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    if "allOf" in schema or "not" in schema:
        return True
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and any(
            needs_model(b) or (isinstance(b, dict) and _is_object(b) and "$ref" not in b)
            for b in branches
        ):
            return True
    return _is_object(schema) and (
        any(key in schema for key in _OBJECT_KEYWORDS)
        or isinstance(schema.get("additionalProperties"), dict)
        or schema.get("additionalProperties") is False
    )


def _without_null(schema: dict[str, Any]) -> dict[str, Any] | None:
    """An object schema that also admits null (`type: [object, "null"]`, OAS 3.0 `nullable`)
    without the null, or None when it does not admit null that way."""
    kinds = schema.get("type")
    if isinstance(kinds, list) and sorted(kinds) == ["null", "object"]:
        return {**schema, "type": "object"}
    if schema.get("nullable") is True and kinds == "object":
        return {k: v for k, v in schema.items() if k != "nullable"}
    return None


def _is_object(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "object" in kinds or "properties" in schema


class _Hoister:
    def __init__(self, schemas: dict[str, Any], taken: Collection[str]) -> None:
        self.schemas = schemas
        self.taken = set(taken) | set(schemas)

    def name(self, base: str) -> str:
        name, index = base, 2
        while name in self.taken:
            name, index = f"{base}{index}", index + 1
        self.taken.add(name)
        return name

    def hoist(self, holder: dict[str, Any], key: str, base: str) -> None:
        """Replace ``holder[key]`` by a `$ref` to a new component when it needs a model."""
        schema = holder.get(key)
        if not isinstance(schema, dict) or "$ref" in schema:
            return
        if needs_model(schema):
            name = self.name(base)
            ref = {"$ref": f"{_PREFIX}{name}"}
            nullable = _without_null(schema)
            if nullable is None:
                self.schemas[name], holder[key] = schema, ref
            else:  # the model for the object, `| None` outside it (as `X | None` reads)
                self.schemas[name], holder[key] = nullable, {"anyOf": [ref, {"type": "null"}]}
            return
        kinds = schema.get("type")
        is_array = kinds == "array" or (isinstance(kinds, list) and "array" in kinds)
        if is_array and isinstance(schema.get("items"), dict):
            self.hoist(schema, "items", f"{base}Item")

    def media(self, content: Any, base: str) -> None:
        """The JSON media types of ``content``: the first named ``base``, others numbered."""
        if not isinstance(content, dict):
            return
        for media, media_object in content.items():
            if json_media_type({media: None}) is not None and isinstance(media_object, dict):
                self.hoist(media_object, "schema", base)


def _each(node: Any) -> list[tuple[str, Any]]:
    return list(node.items()) if isinstance(node, dict) else []


def _local(document: dict[str, Any], node: Any) -> Any:
    """``node``, or the node its local `$ref` names (one level, as responses are referenced)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 8:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return None
        target: Any = document
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            target = target.get(token) if isinstance(target, dict) else None
        node, seen = target, seen + 1
    return node


def hoist_inline(document: dict[str, Any], taken: Collection[str] = ()) -> None:
    """Move inline body and response schemas of ``document`` (in place) into components.

    ``taken`` holds names the models module uses besides the components already there.
    """
    components = document.setdefault("components", {})
    if not isinstance(components, dict):
        return
    had_schemas = isinstance(components.get("schemas"), dict)
    schemas: dict[str, Any] = components["schemas"] if had_schemas else {}
    hoister = _Hoister(schemas, taken)
    # Shared objects first, named after their component, so every user refers to one model.
    for key, body in _each(components.get("requestBodies")):
        if isinstance(body, dict):
            hoister.media(body.get("content"), f"{_pascal(str(key))}RequestBody")
    for key, response in _each(components.get("responses")):
        if isinstance(response, dict):
            hoister.media(response.get("content"), f"{_pascal(str(key))}Response")
    for path, item in _each(document.get("paths")):
        item = _local(document, item)
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            base = _pascal(str(operation.get("operationId") or f"{method} {path}"))
            body = operation.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                hoister.media(body.get("content"), f"{base}Request")
            for status, response in _each(operation.get("responses")):
                if isinstance(response, dict) and "$ref" not in response:
                    label = "Default" if str(status) == "default" else str(status).upper()
                    hoister.media(response.get("content"), f"{base}{label}Response")
    if schemas and not had_schemas:
        components["schemas"] = schemas
    elif not schemas and not had_schemas and not components:
        del document["components"]
