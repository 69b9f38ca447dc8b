"""Execute a planned run on worker threads within its budget, and collect the verdicts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._clauses import ClauseResult, Ledger
from ._context import Context, Settings
from ._http import Budget, BudgetExhausted, RateLimiter, Transport
from ._plan import PROFILES, Options, Task, plan, settings_for
from ._redact import Redactor
from ._spec import Spec
from ._target import ConfigError, Target

__all__ = ["RunResult", "prepare", "run"]


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


_PREPARED: set[tuple[str, int, tuple[tuple[str, int], ...]]] = set()
_PREPARED_LOCK = threading.Lock()


def prepare(spec: Spec, options: Options) -> None:
    """Start generating the run's Schemathesis cases in the background (e.g. while a server
    starts); ``run`` does this itself, calling it earlier only saves time."""
    settings = settings_for(PROFILES[options.profile], options, deterministic=False)
    tasks = plan(PROFILES[options.profile], options)
    kinds = list(
        dict.fromkeys(name.split("-")[1] for name, *_ in tasks if name.startswith("fuzz-"))
    )
    key = (spec.digest, settings.seed, tuple((kind, settings.cases_of(kind)) for kind in kinds))
    with _PREPARED_LOCK:
        if not kinds or key in _PREPARED:
            return
        _PREPARED.add(key)
    threading.Thread(target=_warm, args=(spec, settings, kinds), daemon=True).start()


def _warm(spec: Spec, settings: Settings, kinds: list[str]) -> None:
    """Generate the run's Schemathesis cases while the targeted probes wait on the server."""
    from ._fuzz import generate_cases

    try:
        for kind in kinds:
            generate_cases(spec, kind, settings.cases_of(kind), settings.seed)
    except Exception:  # the fuzz task meets the same error and reports it
        return


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
    if target.connection.proxy is None:  # through a proxy, the target may not be directly reachable
        check_reachable(target, options.timeout)
    started = time.monotonic()
    limit = options.max_requests if options.max_requests is not None else profile.max_requests
    budget = Budget(limit)
    transport = Transport(
        budget,
        RateLimiter(options.rate_limit),
        timeout=options.timeout,
        connection=target.connection,
        latency=target.latency,
    )
    ledger = Ledger(list(options.clauses) or None)
    redactor = Redactor(target.token, *target.connection.secrets())
    deterministic = target.deterministic if options.deterministic is None else options.deterministic
    settings = settings_for(profile, options, deterministic=deterministic)
    tasks = plan(profile, options)
    prepare(spec, options)
    if options.shard[1] > 1:
        for result in ledger.results.values():
            result.notes.append(f"shard {options.shard[0]}/{options.shard[1]}")

    errors: list[str] = []
    errors_lock = threading.Lock()

    def execute(task: Task) -> None:
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
