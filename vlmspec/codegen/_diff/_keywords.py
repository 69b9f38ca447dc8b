"""Small, dependency-free helpers over raw schema mappings, shared by the walker and the rules."""

from __future__ import annotations

from typing import Any

__all__ = ["is_annotation", "mapping", "names", "ref_name"]

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
    }
)


def is_annotation(key: str) -> bool:
    """True for keywords that never change which values a schema accepts.

    ``x-`` extensions included: OpenAI puts ``x-stainless-skip`` beside ``$ref``s, and a ref that
    only carries annotations keeps its component's name and identity.
    """
    return key in _ANNOTATIONS or key.startswith("x-")


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else empty: a lenient load lets odd shapes through."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def names(value: Any) -> set[str]:
    """The strings of a list such as ``required`` (anything else in it is ignored)."""
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def ref_name(ref: str) -> str:
    """The last token of a pointer: ``#/components/schemas/Message`` → ``Message``."""
    return ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
