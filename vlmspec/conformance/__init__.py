"""The vlmspec conformance suite: targeted probes, seeded Hypothesis property cases for what a
schema cannot say, Schemathesis phases, and our own checks.

Run it as `vlmspec conform [--base-url URL]` or
`pytest --pyargs vlmspec.conformance --vlmspec-base-url URL`.
"""

from ._clauses import CLAUSES, Clause, ClauseResult, Failure
from ._plan import PROFILES, Options, Profile
from ._preflight import preflight
from ._report import merge_reports, to_json, to_junit, to_markdown
from ._runner import RunResult, prepare, run
from ._spec import Spec, load_spec
from ._target import ConfigError, Target, embedded_server, shown_url, target_from_base_url

__all__ = [
    "CLAUSES",
    "PROFILES",
    "Clause",
    "ClauseResult",
    "ConfigError",
    "Failure",
    "Options",
    "Profile",
    "RunResult",
    "Spec",
    "Target",
    "embedded_server",
    "load_spec",
    "merge_reports",
    "preflight",
    "prepare",
    "run",
    "shown_url",
    "target_from_base_url",
    "to_json",
    "to_junit",
    "to_markdown",
]
