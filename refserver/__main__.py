"""``python -m refserver``: the reference server with the flags of ``vlmspec serve``."""

from __future__ import annotations

import argparse
import sys

from ._run import ServeError, serve


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and serve; 2 when the server cannot start."""
    parser = argparse.ArgumentParser(prog="python -m refserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default=None, help="SQLite file for sessions and guest counters")
    parser.add_argument("--api-key", dest="api_keys", action="append", default=[])
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, args.db, args.api_keys, args.access_log)
    except ServeError as exc:
        print(f"refserver: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
