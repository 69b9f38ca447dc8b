"""Load a spec to diff: fast, and lenient about what is not needed to compare it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import SpecError
from .._loader import Document, parse_text
from .._validate import local_refs, resolve_pointer

__all__ = ["load_for_diff", "parse_file"]


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
    return parse_text(text, str(path))


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
    for where, ref in local_refs(data):
        if not ref.startswith("#"):
            return SpecError("external $ref is not supported", ref, str(path), where)
        if not resolve_pointer(data, ref)[0]:
            return SpecError("unresolvable $ref", ref, str(path), where)
    return data
