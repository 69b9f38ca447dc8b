"""`vlmspec diff`: classify every change between two OpenAPI 3.x documents as breaking or safe."""

from ._accepted import Accepted, apply_accepted, load_accepted
from ._document import diff_documents
from ._load import load_for_diff
from ._model import DIFF_RULES, Change, Rule, Severity, Status
from ._render import DIFF_FORMATS, DiffFormat, render_changes

__all__ = [
    "DIFF_FORMATS",
    "DIFF_RULES",
    "Accepted",
    "Change",
    "DiffFormat",
    "Rule",
    "Severity",
    "Status",
    "apply_accepted",
    "diff_documents",
    "load_accepted",
    "load_for_diff",
    "render_changes",
]
