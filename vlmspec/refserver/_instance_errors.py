"""Errors of the instance builder."""

from __future__ import annotations

__all__ = ["NoInstance", "SchemaProblem"]


class SchemaProblem(Exception):
    """The schema is not a valid JSON Schema; ``path`` points inside it."""

    def __init__(self, message: str, path: list[str | int]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class NoInstance(Exception):
    """No instance could be produced (unsatisfiable, unresolvable or unsupported schema)."""
