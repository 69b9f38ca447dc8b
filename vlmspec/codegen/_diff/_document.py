"""Diff two whole documents: the operations under `paths`, then the `webhooks`."""

from __future__ import annotations

from typing import Any

from ._model import Change
from ._operations import OperationDiff
from ._walk import Walker
from ._webhooks import WebhookDiff

__all__ = ["diff_documents"]


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """All changes from ``old`` to ``new``, breaking first, in a stable order."""
    before, after = Walker(old), Walker(new)
    changes = OperationDiff(before, after).run() + WebhookDiff(before, after).run()
    return sorted(set(changes), key=Change.sort_key)
