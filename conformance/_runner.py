"""Plan a run (profile, clauses, shard), execute it on worker threads, collect the verdicts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from . import _probes_core as core
from . import _probes_rules as rules
from . import _properties as props
from ._clauses import ClauseResult, Ledger, clause_ids
from ._context import Context, Settings
from ._http import Budget, BudgetExhausted, RateLimiter, Transport
from ._redact import Redactor
from ._spec import Spec
from ._target import ConfigError, Target

__all__ = ["PROFILES", "Options", "Profile", "RunResult", "prepare", "run"]


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


PROFILES = {
    "smoke": Profile(
        max_requests=300,
        coverage_cases=40,
        fuzz_cases=10,
        negative_cases=4,
        property_cases=12,
        parts=2,
        examples=False,
    ),
    "ci": Profile(
        max_requests=3000,
        coverage_cases=200,
        fuzz_cases=100,
        negative_cases=100,
        property_cases=60,
        parts=8,
        examples=True,
    ),
    "deep": Profile(
        max_requests=30000,
        coverage_cases=1500,
        fuzz_cases=1000,
        negative_cases=1000,
        property_cases=400,
        parts=32,
        examples=True,
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


@dataclass
class RunResult:
    """The outcome of a run, ready for the reports."""

    base_url: str
    profile: str
    seed: int
    shard: tuple[int, int]
    clauses: list[ClauseResult]
    requests: int
    seconds: float
    stopped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)

    @property
    def conformant(self) -> bool:
        return all(result.status != "fail" for result in self.clauses)


Probe = Callable[[Context], None]

# (task id, clauses it judges, probe) in run order: targeted probes first, then generated cases.
_PROBES: tuple[tuple[str, tuple[str, ...], Probe], ...] = (
    ("health", ("health",), core.probe_health),
    ("choices", ("n-choices", "usage", "response-schema"), core.probe_n),
    ("stream", ("stream-framing", "stream-consistency", "response-schema"), core.probe_stream),
    ("invalid-token", ("auth-invalid-token", "response-schema"), rules.probe_invalid_token),
    ("rejects", ("validation-rejects", "response-schema"), rules.probe_rejects),
    ("skills", ("skills", "response-schema"), rules.probe_skills),
    ("response-format", ("response-format", "response-schema"), core.probe_response_format),
    ("anonymous", ("auth-anonymous", "response-schema"), rules.probe_anonymous),
    ("extensions", ("extensions", "response-schema"), rules.probe_extensions),
    ("session", ("session-continuity", "response-schema"), rules.probe_session),
    ("equivalence", ("stream-equivalence",), core.probe_stream_equivalence),
    ("accepts", ("validation-accepts", "response-schema"), rules.probe_accepts),
    ("property-n", ("n-choices", "usage", "stream-framing", "response-schema"), props.prop_n),
    ("property-equivalence", ("stream-equivalence", "response-schema"), props.prop_equivalence),
    ("property-format", ("response-format", "response-schema"), props.prop_response_format),
    ("property-session", ("session-continuity", "response-schema"), props.prop_session),
)
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


_PREPARED: set[tuple[int, int, tuple[tuple[str, int], ...]]] = set()
_PREPARED_LOCK = threading.Lock()


def prepare(spec: Spec, options: Options) -> None:
    """Start generating the run's Schemathesis cases in the background (e.g. while a server
    starts); ``run`` does this itself, calling it earlier only saves time."""
    settings = _settings(PROFILES[options.profile], options, deterministic=False)
    tasks = _plan(PROFILES[options.profile], options)
    kinds = list(
        dict.fromkeys(name.split("-")[1] for name, *_ in tasks if name.startswith("fuzz-"))
    )
    key = (id(spec), settings.seed, tuple((kind, settings.cases_of(kind)) for kind in kinds))
    with _PREPARED_LOCK:
        if not kinds or key in _PREPARED:
            return
        _PREPARED.add(key)
    threading.Thread(target=_warm, args=(spec, settings, kinds), daemon=True).start()


def _settings(profile: Profile, options: Options, *, deterministic: bool) -> Settings:
    return Settings(
        seed=options.seed,
        max_tokens=options.max_tokens,
        model=options.model,
        deterministic=deterministic,
        fuzz_cases=profile.fuzz_cases,
        negative_cases=profile.negative_cases,
        coverage_cases=profile.coverage_cases,
        property_cases=profile.property_cases,
    )


def _warm(spec: Spec, settings: Settings, kinds: list[str]) -> None:
    """Generate the run's Schemathesis cases while the targeted probes wait on the server."""
    from ._fuzz import generate_cases

    try:
        for kind in kinds:
            generate_cases(spec, kind, settings.cases_of(kind), settings.seed)
    except Exception:  # the fuzz task meets the same error and reports it
        return


def _plan(profile: Profile, options: Options) -> list[tuple[str, tuple[str, ...], Probe]]:
    tasks = list(_PROBES)
    kinds = (["examples"] if profile.examples else []) + ["coverage"]
    kinds += ["positive"] if profile.fuzz_cases else []
    kinds += ["negative"] if profile.negative_cases else []
    for kind in kinds:
        parts = 1 if kind == "examples" else profile.parts
        for part in range(parts):
            probe = partial(_probe_fuzz, kind=kind, part=part, parts=parts)
            tasks.append((f"fuzz-{kind}-{part}", _FUZZ_CLAUSES, probe))
    wanted = set(options.clauses or clause_ids())
    tasks = [task for task in tasks if wanted & set(task[1])]
    index, count = options.shard
    return [task for position, task in enumerate(tasks) if position % count == index - 1]


def check_reachable(target: Target, timeout: float) -> None:
    """Raise ConfigError when nothing accepts connections at the target (exit 2)."""
    url = httpx.URL(target.base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.host, port), timeout=min(timeout, 10.0)):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot reach {target.base_url}: {reason}") from None


def run(
    spec: Spec,
    target: Target,
    options: Options,
    *,
    on_event: Callable[[str, str, int], None] | None = None,
) -> RunResult:
    """Run the suite against ``target``; raise ConfigError for an unreachable server."""
    profile = PROFILES[options.profile]
    check_reachable(target, options.timeout)
    started = time.monotonic()
    limit = options.max_requests if options.max_requests is not None else profile.max_requests
    budget = Budget(limit)
    transport = Transport(budget, RateLimiter(options.rate_limit), timeout=options.timeout)
    ledger = Ledger(list(options.clauses) or None)
    redactor = Redactor(target.token)
    deterministic = target.deterministic if options.deterministic is None else options.deterministic
    settings = _settings(profile, options, deterministic=deterministic)
    tasks = _plan(profile, options)
    prepare(spec, options)
    if options.shard[1] > 1:
        for result in ledger.results.values():
            result.notes.append(f"shard {options.shard[0]}/{options.shard[1]}")

    errors: list[str] = []
    errors_lock = threading.Lock()

    def execute(task: tuple[str, tuple[str, ...], Probe]) -> None:
        name, clauses, probe = task
        context = Context(
            task=name,
            spec=spec,
            target=target,
            transport=transport,
            ledger=ledger,
            redactor=redactor,
            settings=settings,
        )
        if on_event:
            on_event("start", name, len(tasks))
        begun = time.monotonic()
        try:
            if budget.exhausted:  # don't generate cases that cannot be sent
                raise BudgetExhausted(f"--max-requests {limit} used up")
            probe(context)
        except BudgetExhausted as exc:
            for clause in clauses:
                ledger.note(clause, f"not fully checked: {exc}")
        except Exception as exc:  # a bug of ours: reported (exit 3), never a verdict
            text = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            with errors_lock:
                errors.append(f"task {name}: {text}")
            for clause in clauses:
                ledger.note(clause, f"not fully checked: internal error in task {name}")
        finally:
            ledger.spent(clauses[0], context.requests, time.monotonic() - begun)
            if on_event:
                on_event("done", name, len(tasks))

    try:
        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            list(pool.map(execute, tasks))
    finally:
        transport.close()
    stopped = f"stopped: --max-requests {limit} used up" if budget.exhausted else None
    if transport.dead:
        stopped = f"stopped: {transport.dead}"
    return RunResult(
        base_url=target.base_url,
        profile=options.profile,
        seed=options.seed,
        shard=options.shard,
        clauses=ledger.finish(),
        requests=budget.used,
        seconds=time.monotonic() - started,
        stopped=stopped,
        extra={"deterministic": deterministic, "tasks": len(tasks)},
        internal_errors=errors,
    )
