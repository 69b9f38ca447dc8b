"""Spec pipeline and code generators: upstream + overlays → bundle → generated code.

Layer 1 of vlmspec: imports nothing else of ours (see ARCHITECTURE.md).
"""

from ._bundle import Bundle, build_bundle, dump_yaml, load_spec
from ._errors import SpecError
from ._loader import Document, load_document
from ._overlay import Overlay, apply_overlay, load_overlay
from ._validate import resolve_pointer, validate_document
from ._writer import write_all_atomic, write_atomic

__all__ = [
    "Bundle",
    "Document",
    "Overlay",
    "SpecError",
    "apply_overlay",
    "build_bundle",
    "dump_yaml",
    "load_document",
    "load_overlay",
    "load_spec",
    "resolve_pointer",
    "validate_document",
    "write_all_atomic",
    "write_atomic",
]
