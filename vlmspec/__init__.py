"""vlmspec: the VLM Run Chat Completions spec, its generated code, a reference server and a
conformance suite. The command line is `vlmspec`; see README.md."""

from codegen import Project, find_project, installed_bundle, spec_for_testing

from ._exit import EXIT_FAIL, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

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
