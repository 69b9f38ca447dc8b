"""The ASGI application: the generated FastAPI app around the reference service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from vlmspec.generated.server import create_app as create_generated_app

from ._admission import Admission, quiet_client_disconnects
from ._auth import Gate
from ._cpu import CpuPool
from ._service import ReferenceService
from ._store import Store

__all__ = ["create_app"]

# What the worker processes run: schema answers, skill checks, the tokenizer.
_WORKER_MODULES = ("vlmspec.refserver._formats", "vlmspec.refserver._skills")


def create_app(
    *,
    db_path: str | Path | None = None,
    api_keys: Sequence[str] = (),
    guest_daily_limit: int = 10,
    cpu_deadline: float = 10.0,
) -> FastAPI:
    """Build the reference server app; *db_path* None keeps sessions in private memory.

    Without *api_keys* any bearer token is accepted (each token its own owner); ``vlmspec
    serve`` always configures at least one key.
    """
    store = Store(db_path)
    pool = CpuPool(deadline=cpu_deadline, preload=_WORKER_MODULES)
    gate = Gate(tuple(api_keys), guest_daily_limit)
    service = ReferenceService(store, gate, pool)
    app = create_generated_app(service)
    app.add_middleware(Admission, gate=gate, routes=app.router.routes)
    app.state.refserver = service
    quiet_client_disconnects()
    return app
