"""Small, dependency-free helpers over raw schema mappings, shared by the walker and the rules."""

from __future__ import annotations

from typing import Any

from .._ir_types import ANNOTATION_KEYWORDS

__all__ = ["is_annotation", "mapping", "names", "ref_name"]

# Keywords that do not change which values a schema accepts, less `default` (judged by its own
# rules, `request-default-changed`) and with `discriminator` (the branches are compared anyway).
_ANNOTATIONS = (ANNOTATION_KEYWORDS - {"default"}) | {"discriminator"}


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
