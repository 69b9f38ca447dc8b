"""The one exception every layer of the suite raises for a user's mistake."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(Exception):
    """A usage, configuration or reachability problem (exit code 2)."""
