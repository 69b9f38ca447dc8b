"""API packs: each declares its clauses and the tasks that judge them, in one place.

The engine (transport, ledger, runner, reports, Schemathesis phases) knows no clause by name;
it runs the tasks of the packs a target claims. Adding a clause is one `Clause` and one `Task`
in a pack. Packs:

- ``spec``: what any bundle can judge by itself (every response documented; invalid bodies
  rejected, valid ones accepted), run on every target;
- ``openai``: OpenAI's Chat Completions contract (streaming, n, usage, response_format, auth);
- ``vlmrun``: VLM Run's extensions on top (health route, skills, extension fields, sessions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ._clauses import Clause
from ._context import Context

__all__ = ["CHECKS", "CLAUSES", "PACKS", "TARGET_PACKS", "Pack", "Probe", "Task", "packs_for"]

Probe = Callable[[Context], None]


class Task(NamedTuple):
    """One unit of work: a probe and the clauses it judges (``stage``: probes 0, properties 1;
    the engine's generated cases come after every pack's tasks)."""

    name: str
    clauses: tuple[str, ...]
    probe: Probe
    stage: int = 0


@dataclass(frozen=True)
class Pack:
    name: str
    clauses: tuple[Clause, ...]
    tasks: tuple[Task, ...]
    # request fields this pack adds to the base contract: a target without the pack is never
    # sent them, and no probe mutates them
    fields: frozenset[str] = frozenset()
    # the contract each named check enforces (a failure names it)
    checks: tuple[tuple[str, str], ...] = ()


def _load() -> tuple[Pack, ...]:
    from ._pack_openai import PACK as OPENAI
    from ._pack_spec import PACK as SPEC
    from ._pack_vlmrun import PACK as VLMRUN

    return (SPEC, OPENAI, VLMRUN)


PACKS = _load()
# what each `--target` claims
TARGET_PACKS = {"openai": ("spec", "openai"), "vlmrun": ("spec", "openai", "vlmrun")}
CLAUSES = tuple(
    Clause(**{**clause.__dict__, "pack": pack.name}) for pack in PACKS for clause in pack.clauses
)


CHECKS = {name: contract for pack in PACKS for name, contract in pack.checks}


def packs_for(target: str) -> tuple[Pack, ...]:
    return tuple(pack for pack in PACKS if pack.name in TARGET_PACKS[target])
