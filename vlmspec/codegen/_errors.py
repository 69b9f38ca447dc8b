"""Errors returned as values: a header saying what failed, a detail saying why."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SpecError"]


@dataclass(frozen=True)
class SpecError:
    """A problem with an input file, located as precisely as we can.

    `location` is a line/column (``12:5``) for syntax errors, or a JSON Pointer / JSONPath
    for problems found after parsing.
    """

    header: str
    detail: str
    path: str = ""
    location: str = ""

    def one_line(self) -> str:
        """``file:location: header: detail`` on one line, for a terminal or a CI log."""
        where = self.path
        if self.location:
            where = f"{where}:{self.location}" if where else self.location
        detail = " ".join(self.detail.split())
        return f"{where}: {self.header}: {detail}" if where else f"{self.header}: {detail}"
