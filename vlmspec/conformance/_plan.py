"""What a run does: profiles, options and the ordered task list (probes and generated cases)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ._clauses import clause_ids
from ._context import Context, Settings
from ._packs import CLAUSES, PACKS, TARGET_PACKS, Probe, Task, packs_for

__all__ = [
    "PROFILES",
    "TARGETS",
    "Options",
    "Probe",
    "Profile",
    "Task",
    "not_applicable",
    "plan",
    "settings_for",
]


@dataclass(frozen=True)
class Profile:
    """How much a run does: generated cases per kind and the default request cap."""

    max_requests: int
    coverage_cases: int
    fuzz_cases: int
    negative_cases: int
    property_cases: int
    parts: int
    examples: bool
    min_judged: int = 1
    max_time: float = 120.0


PROFILES = {
    "smoke": Profile(
        max_requests=300,
        coverage_cases=40,
        fuzz_cases=10,
        negative_cases=4,
        property_cases=12,
        parts=2,
        examples=False,
        min_judged=1,
        max_time=120.0,
    ),
    "ci": Profile(
        max_requests=3000,
        coverage_cases=200,
        fuzz_cases=100,
        negative_cases=100,
        property_cases=60,
        parts=8,
        examples=True,
        min_judged=3,
        max_time=900.0,
    ),
    "deep": Profile(
        max_requests=30000,
        coverage_cases=1500,
        fuzz_cases=1000,
        negative_cases=1000,
        property_cases=400,
        parts=32,
        examples=True,
        min_judged=5,
        max_time=3600.0,
    ),
}


@dataclass(frozen=True)
class Options:
    """Everything a run needs besides the target and the spec."""

    profile: str = "smoke"
    seed: int = 0
    max_requests: int | None = None
    rate_limit: float | None = None
    workers: int = 4
    shard: tuple[int, int] = (1, 1)
    timeout: float = 10.0
    max_tokens: int = 16
    model: str | None = None
    deterministic: bool | None = None
    clauses: tuple[str, ...] = ()
    max_time: float | None = None  # seconds for the whole run; None: the profile's
    target: str = "vlmrun"  # which API pack the server claims: "vlmrun" or "openai"
    auth: bool = True  # False: the target has no auth (auth clauses not applicable)
    exclude: tuple[str, ...] = ()


TARGETS = tuple(TARGET_PACKS)


def not_applicable(options: Options, *, deterministic: bool) -> dict[str, str]:
    """Clauses outside the declared scope of the target, each with why."""
    claimed = TARGET_PACKS[options.target]
    found: dict[str, str] = {}
    for clause in CLAUSES:
        if clause.pack not in claimed:
            found[clause.id] = (
                f"not applicable: a {clause.pack} extension (--target {options.target})"
            )
        elif clause.auth and not options.auth:
            found[clause.id] = "not applicable: the target has no auth (--no-auth)"
        elif clause.id in options.exclude:
            found[clause.id] = "not applicable: excluded (--exclude-clause)"
        elif clause.deterministic and not deterministic:
            found[clause.id] = "not applicable: target not declared deterministic (--deterministic)"
    return found


_FUZZ_CLAUSES = (
    "validation-accepts",
    "validation-rejects",
    "response-schema",
    "stream-framing",
    "usage",
    "n-choices",
)


def _probe_fuzz(ctx: Context, *, kind: str, part: int, parts: int) -> None:
    from ._fuzz import probe_fuzz  # Schemathesis is the costliest import: only when needed

    probe_fuzz(ctx, kind=kind, part=part, parts=parts)


def plan(profile: Profile, options: Options, skipped: frozenset[str] = frozenset()) -> list[Task]:
    """The tasks of a run, in order: every pack's targeted probes, their property cases, then
    the engine's Schemathesis phases. A task whose clauses are all ``skipped`` is not run."""
    packs = packs_for(options.target)
    tasks = sorted((task for pack in packs for task in pack.tasks), key=lambda task: task.stage)
    kinds = (["examples"] if profile.examples else []) + ["coverage"]
    kinds += ["positive"] if profile.fuzz_cases else []
    kinds += ["negative"] if profile.negative_cases else []
    for kind in kinds:
        parts = 1 if kind == "examples" else profile.parts
        for part in range(parts):
            probe = partial(_probe_fuzz, kind=kind, part=part, parts=parts)
            tasks.append(Task(f"fuzz-{kind}-{part}", _FUZZ_CLAUSES, probe, stage=2))
    wanted = set(options.clauses or clause_ids()) - skipped
    # a task's first clause is what it is for; response-schema judges every reply on the way, so
    # a task whose own clause is out of scope is not run for that alone
    tasks = [
        task for task in tasks if task.clauses[0] not in skipped and wanted & set(task.clauses)
    ]
    index, count = options.shard
    return [task for position, task in enumerate(tasks) if position % count == index - 1]


def settings_for(profile: Profile, options: Options, *, deterministic: bool) -> Settings:
    """The knobs probes read, from a profile and the options."""
    return Settings(
        seed=options.seed,
        max_tokens=options.max_tokens,
        model=options.model,
        deterministic=deterministic,
        fuzz_cases=profile.fuzz_cases,
        negative_cases=profile.negative_cases,
        coverage_cases=profile.coverage_cases,
        property_cases=profile.property_cases,
        accept_openai_errors=options.target == "openai",
        target=options.target,
        out_of_scope_fields=frozenset(
            field
            for pack in PACKS
            if pack.name not in TARGET_PACKS[options.target]
            for field in pack.fields
        ),
    )
