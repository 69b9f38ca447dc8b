"""The vlmspec conformance suite: targeted probes, seeded Hypothesis property cases for what a
schema cannot say, Schemathesis phases, and our own checks.

Run it as `vlmspec conform [--base-url URL]` or
`pytest --pyargs vlmspec.conformance --vlmspec-base-url URL`.
"""

from ._baseline import Baseline, apply_baseline, baseline_of, load_baseline
from ._clauses import Clause, ClauseResult, Failure
from ._packs import CLAUSES, PACKS, Pack, Task
from ._plan import PROFILES, TARGETS, Options, Profile
from ._preflight import preflight
from ._report import merge_reports, result_from_json, to_json, to_junit, to_markdown
from ._runner import RunResult, prepare, run
from ._spec import Spec, load_spec
from ._target import ConfigError, Target, embedded_server, shown_url, target_from_base_url

__all__ = [
    "CLAUSES",
    "PACKS",
    "PROFILES",
    "TARGETS",
    "Baseline",
    "Clause",
    "ClauseResult",
    "ConfigError",
    "Failure",
    "Options",
    "Pack",
    "Profile",
    "RunResult",
    "Spec",
    "Target",
    "Task",
    "apply_baseline",
    "baseline_of",
    "embedded_server",
    "load_baseline",
    "load_spec",
    "merge_reports",
    "preflight",
    "prepare",
    "result_from_json",
    "run",
    "shown_url",
    "target_from_base_url",
    "to_json",
    "to_junit",
    "to_markdown",
]
