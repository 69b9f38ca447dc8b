"""Python class names for component schemas, fixed once, before any generator runs.

datamodel-code-generator renames components it finds unfit (`dataSetList` → `DataSetList`,
`Foo.Bar` → `FooBar`), while the server and client templates import the names they compute.
Rather than guess its rules, `normalise` renames every component to a name it keeps as is and
rewrites every `$ref`, so both sides read the same names from the same document.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from ._discriminators import explicit_discriminators
from ._hoist import hoist_inline

__all__ = ["class_names", "normalise"]

_PREFIX = "#/components/schemas/"
# Names the models module imports or defines itself; a component must not shadow them.
_RESERVED = frozenset(
    {"Annotated", "Any", "AwareDatetime", "BaseModel", "BeforeValidator", "ConfigDict", "Field"}
    | {"JsonInt", "Literal", "MISSING", "RootModel", "Strict", "TypeAlias", "model_validator"}
    | {"Enum", "Model", "annotations", "date", "datetime", "time", "timedelta", "UUID", "Json"}
)


def _pascal(name: str) -> str:
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    text = "".join(p[:1].upper() + p[1:] for p in parts) or "Schema"
    if text[0].isdigit():
        text = f"Model{text}"
    return text


def class_names(schemas: Mapping[str, Any]) -> dict[str, str]:
    """Component name → unique PascalCase class name, in document order."""
    taken: set[str] = set(_RESERVED)
    names: dict[str, str] = {}
    # Names already fit keep priority, so renaming `foo` never steals `Foo` from `Foo`.
    for original in sorted(schemas, key=lambda n: _pascal(n) != n):
        name = _pascal(original)
        if keyword.iskeyword(name) or name in taken:
            base, index = name, 2
            while f"{base}{index}" in taken:
                index += 1
            name = f"{base}{index}"
        taken.add(name)
        names[original] = name
    return {original: names[original] for original in schemas}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# Extensions datamodel-code-generator obeys over the schema (`x-python-type: typing.Any` on a
# string made a model that accepts 1 and null): the JSON Schema is the contract, not these.
_GENERATOR_KEYS = frozenset(
    {"x-python-type", "x-python-import", "customTypePath", "customBasePath", "x-is-base-class"}
    | {"x-is-classvar", "x-enum-field-as-literal", "x-datamodel-code-generator-read-as-const"}
)


def _nest_union(schema: dict[str, Any]) -> None:
    """`{allOf: [P], oneOf: [C, D]}` → `{allOf: [P, {oneOf: [C, D]}]}`: the same schema, but the
    models generator dropped a sibling `allOf` (openapi-core's petstore `PetCreate`)."""
    union = {k: schema.pop(k) for k in ("oneOf", "anyOf", "discriminator") if k in schema}
    schema["allOf"] = [*schema["allOf"], union]


def _rewrite(node: Any, refs: Mapping[str, str]) -> Any:
    """A copy of ``node`` with `$ref`s to renamed components pointing at the new names, and
    without the extensions that would make the models generator override the schema."""
    if isinstance(node, dict):
        copied = {
            key: _rewrite(value, refs) for key, value in node.items() if key not in _GENERATOR_KEYS
        }
        if isinstance(copied.get("allOf"), list) and ("oneOf" in copied or "anyOf" in copied):
            _nest_union(copied)
        ref = copied.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PREFIX):
            head, sep, tail = ref[len(_PREFIX) :].partition("/")
            renamed = refs.get(head)
            if renamed is not None:
                copied["$ref"] = f"{_PREFIX}{renamed}{sep}{tail}"
        return copied
    if isinstance(node, list):
        return [_rewrite(value, refs) for value in node]
    return node


def _hoist_webhook_payloads(document: dict[str, Any]) -> None:
    """Inline webhook payload schemas become components (`<Webhook>Payload`), so they get models."""
    webhooks = document.get("webhooks")
    if not isinstance(webhooks, dict):
        return
    for name, item in webhooks.items():
        for operation in item.values() if isinstance(item, dict) else []:
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            content = body.get("content") if isinstance(body, dict) else None
            for media in (content or {}).values():
                schema = media.get("schema") if isinstance(media, dict) else None
                if isinstance(schema, dict) and "$ref" not in schema:
                    components = document.setdefault("components", {})
                    schemas = components.setdefault("schemas", {})
                    key = f"{_pascal(str(name))}Payload"
                    while key in schemas:
                        key += "_"
                    schemas[key] = schema
                    media["schema"] = {"$ref": f"{_PREFIX}{_escape(key)}"}


def normalise(document: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(a deep copy of ``document`` whose component schemas have class names, original → new)."""
    copied: dict[str, Any] = _rewrite(dict(document), {})
    _hoist_webhook_payloads(copied)
    components = copied.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    names = class_names(schemas) if isinstance(schemas, dict) else {}
    changed = {_escape(old): new for old, new in names.items() if old != new}
    if changed:
        copied = _rewrite(copied, changed)
    if names:
        copied["components"]["schemas"] = {
            names[old]: value for old, value in copied["components"]["schemas"].items()
        }
    # After the renaming: a hoisted name never takes a component's class name.
    hoist_inline(copied, _RESERVED)
    explicit_discriminators(copied)
    return copied, names
