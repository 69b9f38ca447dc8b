"""Check that a document is OpenAPI 3.x: every local `$ref` resolves, and the validator agrees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._errors import SpecError
from ._loader import Document

__all__ = ["local_refs", "resolve_pointer", "validate_document"]


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def resolve_pointer(document: Any, pointer: str) -> tuple[bool, Any]:
    """Resolve a local JSON Pointer (``#/components/schemas/X``); (found, value)."""
    node = document
    for raw in pointer.lstrip("#").split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


# Maps whose keys are names the author chose (a property called `example` or `x-id` is still
# a schema); under any other key, `example`, `default`, `const`, `enum` and `x-*` hold data or
# vendor extensions, never OpenAPI objects, so a `$ref` inside them is a value, not a reference.
_NAME_MAPS = frozenset(
    {
        "properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
        "paths", "webhooks", "schemas", "responses", "parameters", "requestBodies", "headers",
        "securitySchemes", "links", "callbacks", "pathItems", "content", "encoding",
        "variables", "mapping", "scopes",
    }
)  # fmt: skip
_DATA = frozenset({"example", "default", "const", "enum"})
_EXAMPLE_MAP = "examples (map)"  # the role of a Media Type's or components' `examples` map


def local_refs(node: Any, pointer: str = "#") -> Iterator[tuple[str, str]]:
    """(where, target) of every `$ref` that is a reference, not data: see `_NAME_MAPS`.

    An `examples` list (JSON Schema) is data; an `examples` map holds Example Objects, which
    may be `$ref`s themselves but whose `value` is data.
    """
    # role: the keyword the item sits under (None for list items and named entries)
    stack: list[tuple[Any, str, str | None]] = [(node, pointer, None)]
    while stack:
        item, where, role = stack.pop()
        if isinstance(item, list):
            stack.extend((v, f"{where}/{i}", None) for i, v in enumerate(item))
            continue
        if not isinstance(item, dict):
            continue
        names = role in _NAME_MAPS or role == _EXAMPLE_MAP
        ref = item.get("$ref")
        if isinstance(ref, str) and not names:
            yield where, ref
        for key, value in item.items():
            key = str(key)
            child = f"{where}/{_escape(key)}"
            if role == _EXAMPLE_MAP and isinstance(value, dict):
                stack.append(({k: v for k, v in value.items() if k != "value"}, child, None))
            elif names:  # a named entry: a schema, path item, response... (its name is no role)
                stack.append((value, child, None))
            elif key == "examples":
                if isinstance(value, dict):
                    stack.append((value, child, _EXAMPLE_MAP))
            elif not (key in _DATA or key.startswith("x-")):
                stack.append((value, child, key))


def validate_document(document: Document, path: str, *, full: bool = True) -> SpecError | None:
    """None when ``document`` is a valid OpenAPI 3.x description; else the first problem.

    ``full=False`` checks only the version field and that every local ``$ref`` resolves.
    """
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        seen = "no `openapi` field" if version is None else f"openapi: {version!r}"
        return SpecError("not an OpenAPI 3.x document", seen, path, "#/openapi")
    for where, ref in local_refs(document):
        if not ref.startswith("#"):
            return SpecError("external $ref is not supported", ref, path, where)
        found, _ = resolve_pointer(document, ref)
        if not found:
            return SpecError("unresolvable $ref", ref, path, where)
    if not full:
        return None
    # Imported here: it costs ~0.5 s, and most importers of codegen never validate.
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except RecursionError:
        # The validator follows `$ref`s eagerly; a cycle of references sends it round for ever.
        detail = "the validator cannot follow a circular $ref"
        return SpecError("invalid OpenAPI document", detail, path, "#/components/schemas")
    except OpenAPIValidationError as exc:
        location = "#/" + "/".join(_escape(p) for p in getattr(exc, "absolute_path", ()) or ())
        message = str(getattr(exc, "message", exc)).splitlines()[0]
        return SpecError("invalid OpenAPI document", message, path, location)
    except Exception as exc:  # the validator itself failed on an odd document: report, not crash
        detail = f"the validator failed: {type(exc).__name__}: {exc}"
        return SpecError("invalid OpenAPI document", detail, path, "#/")
    return None
