"""Load a spec to diff: fast, and lenient about what is not needed to compare it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .._errors import SpecError
from .._loader import Document, _PlainLoader, _reject_duplicate_keys
from .._validate import resolve_pointer

__all__ = ["load_for_diff", "parse_file"]

# The C parser reads OpenAI's 3 MB spec in ~2 s instead of ~10 s; same resolvers (no
# timestamps) and the same duplicate-key check as codegen's loader.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_Base):  # type: ignore[misc]
    pass


_FastLoader.yaml_implicit_resolvers = _PlainLoader.yaml_implicit_resolvers
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _reject_duplicate_keys)


def parse_file(path: Path) -> Any | SpecError:
    """The YAML (or JSON) value in ``path``, or why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SpecError("cannot read file", "no such file", str(path))
    except IsADirectoryError:
        return SpecError("cannot read file", "is a directory", str(path))
    except (OSError, UnicodeDecodeError) as exc:
        return SpecError("cannot read file", str(exc), str(path))
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = f"{mark.line + 1}:{mark.column + 1}" if mark else ""
        return SpecError("malformed YAML", str(exc.problem or exc), str(path), location)
    except yaml.YAMLError as exc:
        return SpecError("malformed YAML", str(exc), str(path))


def _refs(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    stack = [(node, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                yield where, item["$ref"]
            stack.extend((v, f"{where}/{k}") for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(item))


def load_for_diff(path: Path) -> Document | SpecError:
    """An OpenAPI 3.x mapping whose local ``$ref`` all resolve; else the first problem.

    Deliberately not the full validator (``vlmspec spec validate`` is): real specs with
    harmless slips, such as OpenAI's duplicated ``required`` names, must still diff.
    """
    data = parse_file(path)
    if isinstance(data, SpecError):
        return data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "an empty document"
        return SpecError("not a mapping", f"the top level is {kind}", str(path), "1:1")
    version = data.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        found = "no `openapi` field" if version is None else f"openapi: {version!r}"
        return SpecError("not an OpenAPI 3.x document", found, str(path), "#/openapi")
    for key in ("paths", "components"):
        if not isinstance(data.get(key, {}), dict):
            return SpecError(
                "invalid OpenAPI document", f"`{key}` is not a mapping", str(path), f"#/{key}"
            )
    for where, ref in _refs(data, "#"):
        if not ref.startswith("#"):
            return SpecError("external $ref is not supported", ref, str(path), where)
        if not resolve_pointer(data, ref)[0]:
            return SpecError("unresolvable $ref", ref, str(path), where)
    return data
