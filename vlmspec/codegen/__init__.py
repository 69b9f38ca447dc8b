"""Spec pipeline and code generators: upstream + overlays → bundle → generated code.

Layer 1 of vlmspec: imports nothing else of ours (see ARCHITECTURE.md).
"""

from ._bundle import Bundle, build_bundle, dump_yaml, load_spec
from ._client import render_client
from ._diff import (
    DIFF_FORMATS,
    DIFF_RULES,
    Change,
    DiffFormat,
    diff_documents,
    load_for_diff,
    render_changes,
)
from ._errors import SpecError
from ._fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Fetched, fetch_spec, is_url
from ._generate import header_line, render_package
from ._ir import ApiIR, build_ir
from ._loader import Document, json_keys, load_document
from ._models import render_models
from ._overlay import Overlay, apply_overlay, load_overlay
from ._overlay_drift import Drift, overlay_drift
from ._project import Project, find_project, installed_bundle, spec_for_testing
from ._server import render_server
from ._validate import resolve_pointer, validate_document
from ._writer import write_all_atomic, write_atomic, write_bytes_atomic

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "DIFF_FORMATS",
    "DIFF_RULES",
    "ApiIR",
    "Bundle",
    "Change",
    "DiffFormat",
    "Document",
    "Drift",
    "Fetched",
    "Overlay",
    "Project",
    "SpecError",
    "apply_overlay",
    "build_bundle",
    "build_ir",
    "diff_documents",
    "dump_yaml",
    "fetch_spec",
    "find_project",
    "header_line",
    "installed_bundle",
    "is_url",
    "json_keys",
    "load_document",
    "load_for_diff",
    "load_overlay",
    "load_spec",
    "overlay_drift",
    "render_changes",
    "render_client",
    "render_models",
    "render_package",
    "render_server",
    "resolve_pointer",
    "spec_for_testing",
    "validate_document",
    "write_all_atomic",
    "write_atomic",
    "write_bytes_atomic",
]
