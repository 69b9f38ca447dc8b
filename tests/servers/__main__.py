"""Run one test server: ``python -m tests.servers (--fault NAME | --variation NAME | --clean |
--hostile NAME)``."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys

from .faults import FAULTS, build_app
from .hostile import HOSTILE, serve_hostile
from .variations import NEW_FAULTS, VARIATIONS, build_second_set_app

READY = "tests.servers: listening on http://{host}:{port}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.servers", description=__doc__)
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--fault", choices=sorted([*FAULTS, *NEW_FAULTS]), help="the reference server, one fault"
    )
    kind.add_argument(
        "--variation", choices=sorted(VARIATIONS), help="the reference server, one legal difference"
    )
    kind.add_argument("--clean", action="store_true", help="the unmodified reference server")
    kind.add_argument(
        "--passthrough", action="store_true", help="the reference server behind a no-op fault"
    )
    kind.add_argument("--hostile", choices=sorted(HOSTILE), help="a hostile raw-socket server")
    kind.add_argument("--list", action="store_true", help="list every test server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--api-key", action="append", default=[], help="accepted bearer token")
    return parser


def _announce(host: str, port: int) -> None:
    print(READY.format(host=host, port=port), flush=True)


async def _serve_app(args: argparse.Namespace) -> None:
    import uvicorn

    second = args.variation or (args.fault if args.fault in NEW_FAULTS else None)
    if second is not None:
        app = build_second_set_app(second, api_keys=args.api_key)
    else:
        app = build_app(args.fault, api_keys=args.api_key, wrap=bool(args.passthrough))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            raise SystemExit("tests.servers: the server stopped before it started")
        await asyncio.sleep(0.02)
    _announce(args.host, sock.getsockname()[1])
    await task


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.list:
        for fault in FAULTS.values():
            print(f"fault   {fault.name:32} {fault.clause:18} {fault.description}")
        for new in NEW_FAULTS.values():
            verdict = new.clause if new.expect == "fail" else f"{new.clause} (not judged)"
            print(f"fault   {new.name:32} {verdict:18} {new.description}")
        for variation in VARIATIONS.values():
            print(f"variant {variation.name:32} {'(conformant)':18} {variation.description}")
        for hostile in HOSTILE.values():
            print(f"hostile {hostile.name:32} {'-':18} {hostile.description}")
        return 0
    try:
        if args.hostile:
            ready = lambda port: _announce(args.host, port)  # noqa: E731
            asyncio.run(serve_hostile(args.hostile, args.host, args.port, ready))
        else:
            asyncio.run(_serve_app(args))
    except KeyboardInterrupt:
        pass
    except (OSError, ImportError) as exc:
        print(f"tests.servers: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
