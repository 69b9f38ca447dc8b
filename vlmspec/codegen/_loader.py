"""Read YAML/JSON documents without surprises: strings stay strings, errors carry a line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from ._errors import SpecError
from ._gc import gc_paused

__all__ = ["Document", "json_keys", "load_document", "parse_text"]

Document = dict[str, Any]


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~6x faster


class _PlainLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader minus YAML 1.1 timestamps, so `2026-05-19` stays the string JSON Schema sees."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _reject_duplicate_keys(loader: _PlainLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *x`: construct_mapping merges it
            continue
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_STR = "tag:yaml.org,2002:str"
# Keys flatten_mapping rewrites: `<<: *x` merges another mapping in, a plain `=` is a value key.
_SPECIAL_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


def _construct_mapping(loader: _PlainLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping, duplicate keys refused, in one pass over its pairs.

    Plain strings, most of a spec's nodes, are taken from their node as construct_object would
    return them, without its per-node bookkeeping: half the load time of OpenAI's spec.
    """
    pairs = node.value
    if any(key_node.tag in _SPECIAL_KEYS for key_node, _ in pairs):
        return _reject_duplicate_keys(loader, node)
    construct = loader.construct_object
    mapping: dict[Any, Any] = {}
    for key_node, value_node in pairs:
        if key_node.tag == _STR and type(key_node) is yaml.ScalarNode:
            key = key_node.value
        else:
            key = construct(key_node)
        try:
            duplicate = key in mapping
        except TypeError:  # a list or mapping as a key
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key",
                key_node.start_mark,
            ) from None  # fmt: skip
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        if value_node.tag == _STR and type(value_node) is yaml.ScalarNode:
            mapping[key] = value_node.value
        else:
            mapping[key] = construct(value_node)
    return mapping


_PlainLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise ValueError("duplicate key")  # parse_text retries as YAML, which says where
    return mapping


# A high surrogate escape (`\ud83d`): paired, it is one character; alone, no character at all.
_SURROGATE = re.compile(r"\\u[dD][89abAB]")


def _parse_json(text: str, path: str) -> Any | SpecError | None:
    """JSON text read as JSON (None: not JSON, or a problem YAML describes better).

    YAML cannot stand in for a JSON parser here: libyaml refuses surrogate-pair escapes such as
    `\ud83d\udc4d`, which Python's json.dumps writes for every emoji.
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return None
    if _SURROGATE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            detail = "an unpaired UTF-16 surrogate escape (\\udXXX) is not a character"
            return SpecError("malformed JSON", detail, path)
    return data


def parse_text(text: str, path: str) -> Any | SpecError:
    """Parse JSON or YAML text; a syntax error comes back with its line and column."""
    if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        found = _parse_json(text, path)
        if found is not None:
            return found
    try:
        with gc_paused():
            return yaml.load(text, Loader=_PlainLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = f"{mark.line + 1}:{mark.column + 1}" if mark else ""
        return SpecError("malformed YAML", str(exc.problem or exc), path, location)
    except yaml.YAMLError as exc:
        return SpecError("malformed YAML", str(exc), path)


def json_keys(node: Any) -> Any:
    """A copy with every mapping key a string, as in JSON: YAML reads `200:` as an integer."""
    if isinstance(node, dict):
        return {k if isinstance(k, str) else _json_key(k): json_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [json_keys(v) for v in node]
    return node


def _json_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def load_document(path: Path) -> Document | SpecError:
    """Load a mapping document from ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SpecError("cannot read file", "no such file", str(path))
    except (OSError, UnicodeDecodeError) as exc:
        return SpecError("cannot read file", str(exc), str(path))
    data = parse_text(text, str(path))
    if isinstance(data, SpecError):
        return data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "an empty document"
        return SpecError("not a mapping", f"the top level is {kind}", str(path), "1:1")
    return data
