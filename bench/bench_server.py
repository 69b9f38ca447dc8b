"""Benchmark `vlmspec serve` against Stoplight Prism's mock of the same spec (loopback only).

Run `bash bench/install_tools.sh && python bench/bench_server.py`; writes bench/out/server.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
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
from _server_report import RssResults, TargetResults, render
from _server_wrk import WrkLoad, run_wrk

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
TOKEN = "bench-key"
SESSIONS = 32
SESSION_EVERY = 4


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
        default="{python} -m vlmspec serve --host 127.0.0.1 --port {port} --api-key {key}",
        help="command that starts the server under test ({python} {port} {key})",
    )
    p.add_argument(
        "--db",
        action="store_true",
        help="give each vlmspec serve a fresh SQLite file (--db) instead of its in-memory store",
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


def _server_argv(args: argparse.Namespace, port: int, out_dir: Path) -> list[str]:
    cmd = args.server_cmd.format(python=shlex.quote(sys.executable), port=port, key=TOKEN)
    argv = shlex.split(cmd)
    if args.db:
        db = out_dir / f"bench-{port}.db"
        for stale in out_dir.glob(f"{db.name}*"):
            stale.unlink()
        argv += ["--db", str(db)]
    return argv


def _measure(
    server: Server,
    res: TargetResults,
    args: argparse.Namespace,
    load: WrkLoad,
    schemas: SpecSchemas,
    stream_body: str,
    out_dir: Path,
) -> None:
    """Sample check, wrk at each concurrency, then the streaming timings."""
    res.sample = check_completion(server.base_url, load.plain_body, TOKEN, schemas)
    script = out_dir / f"{res.name.split()[0]}.lua"
    for c in args.levels:
        res.runs.append(
            run_wrk(
                server.base_url, load, connections=c, duration_s=args.duration, script_path=script
            )
        )
        _log(f"{res.name} c={c}: {res.runs[-1].rps:,.0f} req/s")
    res.stream = time_streams(
        server.base_url,
        stream_body,
        TOKEN,
        schemas,
        count=args.stream_count,
        budget_s=max(10.0, args.duration * 3),
    )


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


def _rss(args: argparse.Namespace, mix: WrkLoad, out_dir: Path) -> RssResults:
    """Fresh server; RSS before, after 10% of the requests, and after all of them."""
    port = free_port()
    res = RssResults(
        mix=f"wrk -c 10, every {SESSION_EVERY}th request carries one of "
        f"{SESSIONS} session_ids (spec example `session_and_metadata`), "
        f"the rest the `text` example"
    )
    with running(
        "vlmspec serve", _server_argv(args, port, out_dir), port, out_dir / "rss-server.log"
    ) as server:
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
            _log(f"rss after {done:,} requests: {res.points[-1][2]:.1f} MiB")
    return res


def _env() -> list[str]:
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return [
        f"date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {os.cpu_count()} CPUs, {platform.platform()},"
        f" Python {platform.python_version()}",
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
        + ("a fresh SQLite file (--db)" if args.db else "in memory (the default)"),
    ]
    targets: list[TargetResults] = []
    if not args.skip_prism:
        prism = TargetResults("Prism 5.14.2 mock")
        port = free_port()
        with running("prism", _prism_argv(port), port, out_dir / "prism.log") as server:
            _measure(server, prism, args, plain, schemas, stream_body, out_dir)
        if prism.stream and prism.stream.failure:
            prism.stream_note = f"Prism cannot stream: {prism.stream.failure}"
        targets.append(prism)

    ours = TargetResults("vlmspec serve")
    port = free_port()
    profile = None
    with running(
        "vlmspec serve", _server_argv(args, port, out_dir), port, out_dir / "server.log"
    ) as server:
        _measure(server, ours, args, plain, schemas, stream_body, out_dir)
        ours.soak = run_wrk(
            server.base_url,
            plain,
            connections=50,
            duration_s=args.soak,
            script_path=out_dir / "soak.lua",
        )
        _log(f"soak: {ours.soak.requests:,} requests, {ours.soak.non_2xx} non-2xx")
        slower = _slower_at_10(ours, targets)
        if args.profile == "always" or (args.profile == "auto" and slower):
            note = "Slower than Prism at c=10." if slower else "Profiled on request."
            profile = _profile(server, plain, args, out_dir, note)
    targets.insert(0, ours)
    rss = _rss(args, mix, out_dir)

    verdicts = _verdicts(ours, targets, rss)
    report = render(env, targets, rss, verdicts, profile)
    args.out.write_text(report + "\n")
    print(report)
    _log(f"wrote {args.out}")
    failed = any(v.startswith("**FAIL") for _, v in verdicts)
    return 1 if failed else 0


def _slower_at_10(ours: TargetResults, others: list[TargetResults]) -> bool:
    mine = next((r.rps for r in ours.runs if r.connections == 10), math.nan)
    theirs = [r.rps for t in others for r in t.runs if r.connections == 10]
    return bool(theirs) and mine < max(theirs)


def _verdicts(
    ours: TargetResults, targets: list[TargetResults], rss: RssResults
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    mine = next((r.rps for r in ours.runs if r.connections == 10), None)
    prism = next(
        (r.rps for t in targets if t is not ours for r in t.runs if r.connections == 10), None
    )
    if mine is not None and prism is not None:
        ok = mine >= prism
        out.append(
            (
                "req/s at c=10 >= Prism's",
                f"{'pass' if ok else '**FAIL**'}: {mine:,.0f} vs {prism:,.0f}"
                f" ({mine / prism:.2f}x)",
            )
        )
    if ours.sample:
        out.append(
            (
                "returns a valid ChatCompletion",
                "pass" if ours.sample.valid else f"**FAIL**: {ours.sample.note}",
            )
        )
    if ours.stream:
        out.append(
            (
                "streams valid chunks ending in [DONE]",
                f"**FAIL**: {ours.stream.failure}" if ours.stream.failure else "pass",
            )
        )
    if ours.soak:
        bad = ours.soak.non_2xx + ours.soak.socket_errors
        out.append(
            (
                f"no errors with 50 clients for {ours.soak.duration_s:.0f} s",
                "pass" if bad == 0 else f"**FAIL**: {bad} errors",
            )
        )
    if len(rss.points) == 3:
        growth = rss.points[2][2] - rss.points[1][2]
        out.append(
            (
                f"RSS growth from {rss.points[1][1]:,} to {rss.points[2][1]:,} requests",
                f"{growth:+.1f} MiB (total {rss.points[2][2] - rss.points[0][2]:+.1f} MiB)",
            )
        )
    return out


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_server: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
