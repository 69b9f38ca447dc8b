"""vlmspec: the VLM Run Chat Completions spec, its generated code, a reference server and a
conformance suite. The command line is `vlmspec`; see README.md.

Layers live in subpackages (`vlmspec.codegen`, `vlmspec.generated`, `vlmspec.refserver`,
`vlmspec.conformance`); this module imports none of them eagerly, so importing one layer never
drags in another (ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._exit import EXIT_FAIL, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from .codegen import Project, find_project, installed_bundle, spec_for_testing

__all__ = [
    "EXIT_FAIL",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "Project",
    "find_project",
    "installed_bundle",
    "spec_for_testing",
]

_FROM_CODEGEN = {"Project", "find_project", "installed_bundle", "spec_for_testing"}


def __getattr__(name: str) -> Any:
    if name in _FROM_CODEGEN:
        from . import codegen

        return getattr(codegen, name)
    raise AttributeError(f"module 'vlmspec' has no attribute {name!r}")
