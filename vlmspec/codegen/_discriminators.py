"""Discriminators made explicit, so the models accept what the `oneOf` accepts.

Without `mapping`, OpenAPI says the tag's value is the schema's name, and datamodel-code-generator
replaces the tag's enum with it (`{"type": "WebSearchTool"}` accepted, `{"type": "web_search"}`
refused). Real documents (OpenAI's) mean the enum values. JSON Schema, the judge of what is valid,
ignores `discriminator` altogether, so: where every branch requires its tag and the tag is an enum
or const, the mapping is spelled out from those values; otherwise the discriminator is dropped (a
plain union, checked exactly-one). A given `mapping` is kept only when it says the same: FastAPI
writes one for tags that have a default and are not required (Airflow's `EdgeJobFetched.command`),
where a tagged union would refuse a body without the tag that exactly one branch accepts.
"""

from __future__ import annotations

from typing import Any

from ._ir_types import resolve

__all__ = ["explicit_discriminators"]


def _tag_values(document: dict[str, Any], branch: Any, tag: str) -> list[Any] | None:
    target = resolve(document, branch)
    if not isinstance(target, dict):
        return None
    prop = resolve(document, (target.get("properties") or {}).get(tag))
    if not isinstance(prop, dict) or tag not in (target.get("required") or []):
        return None
    if "const" in prop:
        return [prop["const"]]
    values = prop.get("enum")
    return list(values) if isinstance(values, list) and values else None


def _mapping(document: dict[str, Any], node: dict[str, Any]) -> dict[str, str] | None:
    branches = node.get("oneOf") or node.get("anyOf")
    tag = node["discriminator"].get("propertyName")
    if not isinstance(branches, list) or not isinstance(tag, str):
        return None
    mapping: dict[str, str] = {}
    for branch in branches:
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        values = _tag_values(document, branch, tag) if isinstance(ref, str) else None
        if values is None or not all(isinstance(v, str) for v in values):
            return None
        for value in values:
            if value in mapping:  # two branches share a value: only the oneOf can decide
                return None
            mapping[value] = ref  # type: ignore[assignment]
    return mapping


def _same(document: dict[str, Any], given: Any, derived: dict[str, str]) -> bool:
    """Whether a document's own ``mapping`` names the branches' tag values, each to its branch."""
    if not isinstance(given, dict) or given.keys() != derived.keys():
        return False
    for value, ref in derived.items():
        target = given[value] if isinstance(given[value], str) else ""
        target = target if target.startswith("#") else f"#/components/schemas/{target}"
        if resolve(document, {"$ref": target}) is not resolve(document, {"$ref": ref}):
            return False
    return True


def explicit_discriminators(document: dict[str, Any]) -> None:
    """Rewrite, in place, every discriminator (see the module docstring)."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found = node.get("discriminator")
            if isinstance(found, dict):
                mapping = _mapping(document, node)
                if mapping is None or (
                    "mapping" in found and not _same(document, found["mapping"], mapping)
                ):
                    del node["discriminator"]
                elif "mapping" not in found:
                    node["discriminator"] = {**found, "mapping": mapping}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
