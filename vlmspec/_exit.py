"""Exit codes shared by every command, and the one-line error path."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from vlmspec.codegen import SpecError

__all__ = ["EXIT_FAIL", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "fail"]

EXIT_OK = 0
"""Success: conformant, up to date, no breaking change."""
EXIT_FAIL = 1
"""A verdict against you: not conformant, stale files, breaking change."""
EXIT_USAGE = 2
"""Usage, configuration or input error; unreachable server."""
EXIT_INTERNAL = 3
"""A bug in vlmspec itself (rerun with VLMSPEC_DEBUG=1 for the traceback)."""


def fail(error: SpecError | str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``vlmspec: error: …`` on one line to stderr and exit."""
    line = " ".join(error.split()) if isinstance(error, str) else error.one_line()
    print(f"vlmspec: error: {line}", file=sys.stderr)
    raise SystemExit(code)
