"""Execute a planned run on worker threads within its budget, and collect the verdicts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._clauses import FAIL, NO_TASK_IN_SHARD, NOT_JUDGED, PASS, ClauseResult, Ledger
from ._context import Context, Control, Settings, Stopped
from ._http import Budget, BudgetExhausted, RateLimiter, Transport
from ._plan import PROFILES, Options, Task, not_applicable, plan, settings_for
from ._redact import Redactor
from ._spec import Spec
from ._target import ConfigError, Target

__all__ = [
    "CONFORMANT",
    "ERROR",
    "INCONCLUSIVE",
    "KNOWN_FAILURES",
    "NOT_CONFORMANT",
    "RunResult",
    "prepare",
    "run",
]


CONFORMANT, NOT_CONFORMANT, INCONCLUSIVE, ERROR = (
    "conformant",
    "not conformant",
    "inconclusive",
    "error",
)
KNOWN_FAILURES = "known failures only"  # every failure is accepted by --baseline


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
    interrupted: bool = False

    @property
    def verdict(self) -> str:
        """error (a bug of ours: never green), not conformant (a judged check failed),
        inconclusive (an in-scope clause not judged, or the run stopped early), conformant."""
        if self.internal_errors:
            return ERROR
        failed = [result for result in self.clauses if result.status == FAIL]
        if any(not failure.known for result in failed for failure in result.failures):
            return NOT_CONFORMANT
        if self.stopped or self.interrupted:
            return INCONCLUSIVE
        if any(result.status == NOT_JUDGED for result in self.clauses):
            return INCONCLUSIVE
        if not any(result.status in (PASS, FAIL) for result in self.clauses):
            return INCONCLUSIVE  # nothing in scope was judged: no verdict to give
        return KNOWN_FAILURES if failed else CONFORMANT

    @property
    def conformant(self) -> bool:
        return self.verdict == CONFORMANT

    @property
    def incomplete(self) -> bool:
        return self.verdict == INCONCLUSIVE


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


def _transport(budget: Budget, target: Target, options: Options, control: Control) -> Transport:
    """The run's and the replay's transport: the target's connection (gateway headers, proxy,
    TLS), its measured latency, and no 429 wait past --max-time."""
    return Transport(
        budget,
        RateLimiter(options.rate_limit),
        timeout=options.timeout,
        connection=target.connection,
        latency=target.latency,
        retry_until=control.deadline,
    )


_REPLAY_TASKS = 8  # at most this many failing tasks are replayed alone


def _replay_alone(
    tasks: list[Task],
    spec: Spec,
    target: Target,
    ledger: Ledger,
    redactor: Redactor,
    settings: Settings,
    control: Control,
    options: Options,
    spare: int | None,
) -> int:
    """Run each task that failed under ``--workers > 1`` again, alone; a failure that does not
    recur is marked "only under concurrent requests". Returns the requests it sent (its own
    budget: the spare requests of the run, so a replay never makes the run inconclusive)."""
    failing = ledger.failing_tasks()
    by_name = {task[0]: task for task in tasks}
    budget = Budget(spare)
    transport = _transport(budget, target, options, control)
    try:
        for name in [n for n in by_name if n in failing][:_REPLAY_TASKS]:
            alone = Ledger(list(ledger.results), not_applicable=ledger.not_applicable)
            context = Context(
                task=name,
                spec=spec,
                target=target,
                transport=transport,
                ledger=alone,
                redactor=redactor,
                settings=settings,
                control=control,
            )
            try:
                by_name[name][2](context)
            except (BudgetExhausted, Stopped):
                break  # not replayed: the failures stand as seen
            except Exception:  # the task met the same bug in the run: reported there
                continue
            for signature in failing[name] - alone.signatures():
                ledger.concurrent_only(signature, options.workers)
    finally:
        transport.close()
    return budget.used


def run(
    spec: Spec,
    target: Target,
    options: Options,
    *,
    on_event: Callable[[str, str, int], None] | None = None,
) -> RunResult:
    """Run the suite against ``target``; raise ConfigError for an unreachable server.

    The run ends by ``--max-time`` at the latest (verdict inconclusive, naming it), and on
    Ctrl-C with the partial result (``interrupted``): workers are daemon threads, so a request
    still waiting on a slow server cannot hold the verdict back.
    """
    profile = PROFILES[options.profile]
    if target.connection.proxy is None:  # through a proxy, the target may not be directly reachable
        check_reachable(target, options.timeout)
    started = time.monotonic()
    limit = options.max_requests if options.max_requests is not None else profile.max_requests
    max_time = options.max_time if options.max_time is not None else profile.max_time
    control = Control(started + max_time, max_time)
    budget = Budget(limit)
    transport = _transport(budget, target, options, control)
    deterministic = target.deterministic if options.deterministic is None else options.deterministic
    skipped = not_applicable(options, deterministic=deterministic)
    ledger = Ledger(list(options.clauses) or None, not_applicable=skipped)
    redactor = Redactor(target.token, *target.connection.secrets())
    settings = settings_for(profile, options, deterministic=deterministic)
    tasks = plan(profile, options, frozenset(skipped))
    prepare(spec, options)
    if any(name.startswith("fuzz-") for name, *_ in tasks):
        # Finish importing the Schemathesis phase here, before any worker thread exists: worker
        # threads importing it lazily while the warm-up thread does could meet a half-imported
        # module (ImportError "cannot import name 'probe_fuzz'", seen on a loaded machine).
        from . import _fuzz  # noqa: F401
    in_shard = {clause for task in tasks for clause in task[1]}
    if options.shard[1] > 1:
        for result in ledger.results.values():
            result.notes.append(f"shard {options.shard[0]}/{options.shard[1]}")
            if result.id not in in_shard and result.id not in skipped:
                ledger.not_applicable[result.id] = (
                    f"{NO_TASK_IN_SHARD} {options.shard[0]}/{options.shard[1]}"
                )

    errors: list[str] = []
    lock = threading.Lock()
    pending = list(reversed(tasks))
    running: dict[str, Task] = {}
    finished = threading.Event()
    active = [min(max(1, options.workers), max(1, len(tasks)))]

    def execute(task: Task) -> None:
        name, clauses, probe = task.name, task.clauses, task.probe
        context = Context(
            task=name,
            spec=spec,
            target=target,
            transport=transport,
            ledger=ledger,
            redactor=redactor,
            settings=settings,
            control=control,
        )
        if on_event:
            on_event("start", name, len(tasks))
        begun = time.monotonic()
        try:
            control.check()  # don't generate cases that cannot be sent
            if budget.exhausted:
                raise BudgetExhausted(f"--max-requests {limit} used up")
            probe(context)
        except (BudgetExhausted, Stopped) as exc:
            reason = str(exc) or "the run stopped"
            control.stop(reason)
            for clause in clauses:
                ledger.cut_short(clause, reason)
        except Exception as exc:  # a bug of ours: reported (exit 3), never a verdict
            text = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            with lock:
                errors.append(f"task {name}: {text}")
            for clause in clauses:
                ledger.cut_short(clause, f"internal error in task {name}")
        finally:
            ledger.spent(clauses[0], context.requests, time.monotonic() - begun)
            if on_event:
                on_event("done", name, len(tasks))

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    active[0] -= 1
                    if active[0] == 0:
                        finished.set()
                    return
                task = pending.pop()
                running[task[0]] = task
            try:
                execute(task)
            except BaseException as exc:  # a worker must always count itself out
                with lock:
                    errors.append(f"worker: {type(exc).__name__}: {exc}")
            finally:
                with lock:
                    running.pop(task[0], None)

    if not tasks:
        finished.set()
    for _ in range(active[0] if tasks else 0):
        threading.Thread(target=worker, daemon=True, name="vlmspec-conform").start()
    interrupted = False
    try:
        while not finished.wait(timeout=0.2):
            if time.monotonic() > started + max_time:
                control.stop(f"--max-time {max_time:g}s reached")
                # Requests under way get a moment to end; the verdict does not wait for them.
                finished.wait(timeout=min(2.0, options.timeout))
                break
    except KeyboardInterrupt:
        interrupted = True
        control.stop("interrupted (Ctrl-C)")
    if finished.is_set() and not control.reason and options.workers > 1:
        spare = None if limit is None else limit - budget.used
        try:
            budget.used += _replay_alone(
                tasks, spec, target, ledger, redactor, settings, control, options, spare
            )
        except KeyboardInterrupt:
            interrupted = True  # the failures stand as seen under concurrency
            control.stop("interrupted (Ctrl-C)")
    with lock:
        unfinished = list(running.values()) + list(pending)
        pending.clear()
    for name, clauses, *_ in unfinished:
        for clause in clauses:
            ledger.cut_short(clause, control.reason or f"task {name} did not finish")
    ledger.freeze()
    if finished.is_set():
        transport.close()  # else a worker may still use it; the process is about to end
    stopped = None
    if control.reason:
        stopped = f"stopped: {control.reason}"
    if budget.exhausted:
        stopped = f"stopped: --max-requests {limit} used up"
    if transport.dead:
        stopped = f"stopped: {transport.dead}"
    with lock:
        found_errors = list(errors)
    return RunResult(
        base_url=target.base_url,
        profile=options.profile,
        seed=options.seed,
        shard=options.shard,
        clauses=ledger.finish(
            profile.min_judged,
            shard=f"{options.shard[0]}/{options.shard[1]}" if options.shard[1] > 1 else None,
        ),
        requests=budget.used,
        seconds=time.monotonic() - started,
        stopped=stopped,
        extra={
            "deterministic": deterministic,
            "tasks": len(tasks),
            "target": options.target,
            "auth": options.auth,
            "max_time": max_time,
        },
        internal_errors=found_errors,
        interrupted=interrupted,
    )
