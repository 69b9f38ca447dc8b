"""Cyclic garbage collection paused while a large tree that stays alive is being built.

Loading OpenAI's 3 MB spec creates ~10^5 dicts and lists and the models pass ~10^6 AST nodes,
all reachable until the step ends. Every collection the allocations trigger traverses the
young ones only to promote them, and the older generations are rescanned as they grow: the
collector took 0.6 of the 0.9 s YAML load and 0.6 of the 1.3 s AST pass (2026-11-30, CPU time).
Neither step makes reference cycles, so nothing is left for the collector when it resumes.

Not datamodel-code-generator's run: it leaves ~3*10^5 objects in reference cycles on OpenAI's
spec, and paused, the first collection after it took as long (0.37 s) as the ones it saved.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
