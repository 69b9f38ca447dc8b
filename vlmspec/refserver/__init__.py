"""Reference server for the VLM Run Chat Completions API (deterministic, no model weights)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._run import ServeError, serve

__all__ = ["ServeError", "create_app", "serve"]

# FastAPI and uvicorn load on first use, so the pure parts stay cheap to import.
_LAZY = {"create_app": "._app", "ServeError": "._run", "serve": "._run"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
