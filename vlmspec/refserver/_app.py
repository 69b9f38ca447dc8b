"""The ASGI application: the generated FastAPI app around the reference service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from vlmspec.generated.server import create_app as create_generated_app

from ._auth import Gate
from ._service import ReferenceService
from ._store import Store

__all__ = ["create_app"]


def create_app(
    *,
    db_path: str | Path | None = None,
    api_keys: Sequence[str] = (),
    guest_daily_limit: int = 10,
) -> FastAPI:
    """Build the reference server app; *db_path* None keeps sessions in private memory."""
    store = Store(db_path)
    service = ReferenceService(store, Gate(tuple(api_keys), store, guest_daily_limit))
    app = create_generated_app(service)
    app.state.refserver = service
    return app
