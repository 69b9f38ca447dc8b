"""Benchmark `vlmspec serve` against Stoplight Prism's mock of the same spec (loopback only).

Run `bash bench/install_tools.sh && python bench/bench_server.py`; writes bench/out/server.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import yaml
from _server_checks import SpecSchemas, check_completion, time_streams
from _server_procs import BenchError, Server, free_port, running
from _server_profile import HotSpot, finish, hot_spots, our_hot_spots, record
from _server_report import RssResults, TargetResults, render, slower_at_10, verdicts
from _server_wrk import WrkLoad, run_wrk

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
TOKEN = "bench-key"
SESSIONS = 32
SESSION_EVERY = 4
PRISM_VERSION = "5.14.2"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    p.add_argument("--soak", type=float, default=30.0, help="seconds of the c=50 soak")
    p.add_argument("--rss-requests", type=int, default=100_000)
    p.add_argument("--stream-count", type=int, default=200)
    p.add_argument("--concurrency", default="1,10,50", help="comma-separated wrk -c values")
    p.add_argument("--quick", action="store_true", help="short runs to smoke-test the harness")
    p.add_argument("--skip-prism", action="store_true")
    p.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="py-spy the server when slower than Prism at c=10 (auto)",
    )
    p.add_argument(
        "--server-cmd",
        default=_DEFAULT_SERVER_CMD,
        help="command that starts the server under test ({python} {port} {key})",
    )
    p.add_argument(
        "--db",
        action="store_true",
        help="give each vlmspec serve a fresh SQLite file (--db PATH) instead of --db :memory:",
    )
    p.add_argument(
        "--rss-stores",
        type=int,
        choices=(0, 1, 2),
        default=2,
        help="memory runs: 0 none, 1 in-memory store, 2 in-memory store then --db file",
    )
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "server.md")
    args = p.parse_args(argv)
    if args.quick:
        args.duration, args.soak, args.rss_requests, args.stream_count = 2.0, 3.0, 5_000, 20
    try:
        args.levels = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        p.error(f"--concurrency must be integers, got {args.concurrency!r}")
    if any(c < 1 for c in args.levels) or (args.rss_requests < 10_000 and not args.quick):
        p.error("concurrency must be >= 1 and --rss-requests >= 10000")
    return args


def _examples() -> dict[str, dict[str, object]]:
    """The request examples of the bundled spec, by name."""
    doc = yaml.safe_load(SPEC.read_text())
    op = doc["paths"]["/v1/openai/chat/completions"]["post"]
    examples = op["requestBody"]["content"]["application/json"]["examples"]
    return {name: ex["value"] for name, ex in examples.items()}


def _loads() -> tuple[WrkLoad, WrkLoad, str]:
    """Plain load, session-mix load (bounded pool of ids), and the streaming body."""
    ex = _examples()
    plain = json.dumps(ex["text"], separators=(",", ":"))
    sessions = []
    for i in range(SESSIONS):
        body = dict(ex["session_and_metadata"])
        body["session_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vlmspec-bench-{i}"))
        sessions.append(json.dumps(body, separators=(",", ":")))
    mix = WrkLoad(plain, TOKEN, sessions, SESSION_EVERY)
    return WrkLoad(plain, TOKEN), mix, json.dumps(ex["streaming"], separators=(",", ":"))


def _prism_argv(port: int) -> list[str]:
    local = ROOT / "bench" / "node_modules" / ".bin" / "prism"
    prism = str(local) if local.exists() else shutil.which("prism")
    if prism is None:
        raise BenchError("prism not found; run `bash bench/install_tools.sh` first")
    return [prism, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]


_DEFAULT_SERVER_CMD = "{python} -m vlmspec serve --host 127.0.0.1 --port {port} --api-key {key}"


def _server_argv(args: argparse.Namespace, port: int, db: Path | None) -> list[str]:
    cmd = args.server_cmd.format(python=shlex.quote(sys.executable), port=port, key=TOKEN)
    argv = shlex.split(cmd)
    if db is not None:
        _remove_db(db)
        argv += ["--db", str(db)]
    elif args.server_cmd == _DEFAULT_SERVER_CMD:
        argv += ["--db", ":memory:"]  # `vlmspec serve` defaults to a file in the state folder
    return argv


def _remove_db(db: Path) -> None:
    for path in db.parent.glob(f"{db.name}*"):
        path.unlink()


def _measure(
    servers: list[tuple[Server, TargetResults]],
    args: argparse.Namespace,
    load: WrkLoad,
    schemas: SpecSchemas,
    stream_body: str,
    out_dir: Path,
) -> None:
    """Sample checks, wrk at each concurrency (targets alternating), then streaming timings."""
    for server, res in servers:
        res.sample = check_completion(server.base_url, load.plain_body, TOKEN, schemas)
    # Alternating targets per level spreads any background load on the box over both.
    for c in args.levels:
        for server, res in servers:
            script = out_dir / f"{res.name.split()[0]}.lua"
            run = run_wrk(
                server.base_url, load, connections=c, duration_s=args.duration, script_path=script
            )
            res.runs.append(run)
            _log(f"{res.name} c={c}: {run.rps:,.0f} req/s")
    for server, res in servers:
        res.stream = time_streams(
            server.base_url,
            stream_body,
            TOKEN,
            schemas,
            count=args.stream_count,
            budget_s=max(10.0, args.duration * 3),
        )
        if res.stream.failure and res is not servers[0][1]:
            res.stream_note = f"cannot stream: {res.stream.failure}"


def _profile(
    server: Server, load: WrkLoad, args: argparse.Namespace, out_dir: Path, note: str
) -> tuple[str, list[HotSpot], list[HotSpot]]:
    """py-spy the server for the length of one c=10 wrk run."""
    seconds = max(3, round(args.duration))
    raw = out_dir / "profile.txt"
    spy = record(server.pid, seconds, raw)
    time.sleep(0.5)
    run_wrk(
        server.base_url,
        load,
        connections=10,
        duration_s=seconds + 1,
        script_path=out_dir / "profile.lua",
    )
    finish(spy, timeout=seconds + 60)
    samples, spots = hot_spots(raw, ROOT)
    return (
        f"{note} {samples:,} samples; collapsed stacks in {raw.relative_to(ROOT)}.",
        spots,
        our_hot_spots(raw, ROOT),
    )


def _rss(args: argparse.Namespace, mix: WrkLoad, out_dir: Path, sqlite: bool) -> RssResults:
    """Fresh server; RSS before, after 10% of the requests, and after all of them."""
    port = free_port()
    db = out_dir / "bench-rss.db" if sqlite else None
    res = RssResults(
        store="SQLite file (--db PATH)" if sqlite else "SQLite in memory (--db :memory:)",
        load=f"wrk -c 10, every {SESSION_EVERY}th request carries one of {SESSIONS} session_ids"
        " (spec example `session_and_metadata`), the others the `text` example",
    )
    argv = _server_argv(args, port, db)
    with running("vlmspec serve", argv, port, out_dir / "rss-server.log") as server:
        res.points.append(("before", 0, server.rss_mb()))
        done = 0
        for label, target in (("early", args.rss_requests // 10), ("after", args.rss_requests)):
            budget = max(60.0, (target - done) / 200)  # ends even if the server crawls
            run = run_wrk(
                server.base_url,
                mix,
                connections=10,
                duration_s=budget,
                script_path=out_dir / "rss.lua",
                total_requests=target - done,
            )
            res.runs.append(run)
            done += run.requests
            res.points.append((label, done, server.rss_mb()))
            _log(f"rss ({res.store}) after {done:,} requests: {res.points[-1][2]:.1f} MiB")
    if db is not None:
        _remove_db(db)
    return res


def _env() -> list[str]:
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return [
        f"date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {os.cpu_count()} CPUs, {platform.platform()},"
        f" Python {platform.python_version()}, load average at start"
        f" {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"load generator: {(wrk.stdout or wrk.stderr).splitlines()[0].strip()}, -t min(2, c),"
        " loopback only",
    ]


def _log(msg: str) -> None:
    print(f"bench_server: {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    out_dir = args.out.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    schemas = SpecSchemas(SPEC)
    plain, mix, stream_body = _loads()
    env = [
        *_env(),
        f"duration per run: {args.duration:g} s; soak {args.soak:g} s",
        f"request body: spec example `text` ({len(plain.plain_body)} bytes)",
        "server: `vlmspec serve` (one uvicorn worker), store: "
        + ("a fresh SQLite file (--db PATH)" if args.db else "SQLite in memory (--db :memory:)"),
    ]
    ours = TargetResults("vlmspec serve")
    targets = [ours]
    profile = None
    port = free_port()
    db = out_dir / "bench-throughput.db" if args.db else None
    argv = _server_argv(args, port, db)
    with running("vlmspec serve", argv, port, out_dir / "server.log") as server:
        with contextlib.ExitStack() as stack:
            servers = [(server, ours)]
            if not args.skip_prism:
                port = free_port()
                log = out_dir / "prism.log"
                prism = stack.enter_context(running("prism", _prism_argv(port), port, log))
                targets.append(TargetResults(f"Prism {PRISM_VERSION} mock"))
                servers.append((prism, targets[-1]))
            _measure(servers, args, plain, schemas, stream_body, out_dir)
        # Prism is stopped here: the soak and the profile have the CPUs to themselves.
        soak_lua = out_dir / "soak.lua"
        ours.soak = run_wrk(
            server.base_url, plain, connections=50, duration_s=args.soak, script_path=soak_lua
        )
        _log(f"soak: {ours.soak.requests:,} requests, {ours.soak.non_2xx} non-2xx")
        slower = slower_at_10(ours, targets[1:])
        if args.profile == "always" or (args.profile == "auto" and slower):
            note = "Slower than Prism at c=10." if slower else "Profiled on request."
            profile = _profile(server, plain, args, out_dir, note)
    if db is not None:
        _remove_db(db)
    rss = [_rss(args, mix, out_dir, sqlite) for sqlite in (False, True)[: args.rss_stores]]

    goals = verdicts(ours, targets, rss)
    report = render(env, targets, rss, goals, profile)
    args.out.write_text(report + "\n")
    print(report)
    _log(f"wrote {args.out}")
    failed = any("**FAIL**" in v for _, v in goals)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_server: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
