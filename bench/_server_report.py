"""Render the server bench's findings as Markdown tables."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from _server_checks import SampleCheck, StreamStats
from _server_profile import HotSpot
from _server_wrk import WrkResult


@dataclass
class TargetResults:
    """Everything measured against one server."""

    name: str
    sample: SampleCheck | None = None
    runs: list[WrkResult] = field(default_factory=list)
    stream: StreamStats | None = None
    stream_note: str = ""
    soak: WrkResult | None = None
    error: str | None = None


@dataclass
class RssResults:
    """Server RSS (MiB) at request counts, from a fresh server."""

    store: str
    load: str = ""
    points: list[tuple[str, int, float]] = field(default_factory=list)
    runs: list[WrkResult] = field(default_factory=list)


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def render(
    env: Sequence[str],
    targets: Sequence[TargetResults],
    rss: Sequence[RssResults],
    verdicts: Sequence[tuple[str, str]],
    profile: tuple[str, Sequence[HotSpot], Sequence[HotSpot]] | None,
) -> str:
    """The whole report."""
    out = ["# Server benchmark: `vlmspec serve` vs Stoplight Prism", ""]
    out += [f"- {line}" for line in env] + [""]

    out += ["## Throughput and latency (wrk, same POST body, 1 run each)", ""]
    rows = []
    for t in targets:
        for r in t.runs:
            rows.append(
                [
                    t.name,
                    str(r.connections),
                    f"{r.rps:,.0f}",
                    _ms(r.p50_ms),
                    _ms(r.p99_ms),
                    f"{r.requests:,}",
                    str(r.non_2xx),
                    str(r.socket_errors),
                ]
            )
        if t.error and not t.runs:
            rows.append([t.name, "-", "-", "-", "-", "-", "-", t.error])
    out += _table(
        [
            "server",
            "connections",
            "req/s",
            "p50 ms",
            "p99 ms",
            "requests",
            "non-2xx",
            "socket errors",
        ],
        rows,
    )

    out += ["## Sample response (one non-streamed POST of the same body)", ""]
    rows = [
        [
            t.name,
            str(t.sample.status),
            "yes" if t.sample.valid else "**no**",
            t.sample.note.replace("|", "\\|"),
        ]
        for t in targets
        if t.sample
    ]
    out += _table(["server", "status", "valid ChatCompletion", "note"], rows)

    out += ["## Streaming (httpx, sequential, `stream: true`)", ""]
    rows = []
    for t in targets:
        s = t.stream
        if s is None:
            continue
        note = t.stream_note or (f"failed: {s.failure}" if s.failure else "valid chunks + [DONE]")
        rows.append(
            [
                t.name,
                f"{s.ok}/{s.requests}",
                _ms(s.ttfb_p50_ms),
                _ms(s.ttfb_p99_ms),
                _ms(s.total_p50_ms),
                _ms(s.total_p99_ms),
                note.replace("|", "\\|"),
            ]
        )
    out += _table(
        [
            "server",
            "ok/requests",
            "TTFB p50 ms",
            "TTFB p99 ms",
            "total p50 ms",
            "total p99 ms",
            "note",
        ],
        rows,
    )

    soaks = [t for t in targets if t.soak]
    if soaks:
        out += ["## Soak (wrk -c 50)", ""]
        rows = []
        for t in soaks:
            w = t.soak
            assert w is not None
            ok = w.non_2xx == 0 and w.socket_errors == 0
            statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(w.statuses.items()))
            rows.append(
                [
                    t.name,
                    f"{w.duration_s:.1f}",
                    f"{w.requests:,}",
                    f"{w.rps:,.0f}",
                    _ms(w.p99_ms),
                    str(w.non_2xx),
                    str(w.socket_errors),
                    statuses,
                    "pass" if ok else "**FAIL**",
                ]
            )
        out += _table(
            [
                "server",
                "seconds",
                "requests",
                "req/s",
                "p99 ms",
                "non-2xx",
                "socket errors",
                "statuses",
                "verdict",
            ],
            rows,
        )

    if rss:
        out += [
            "## Memory (VmRSS of the `vlmspec serve` process tree, fresh server per store)",
            "",
            f"Load: {rss[0].load}.",
            "",
        ]
        rows = []
        for m in rss:
            base = m.points[0][2] if m.points else 0.0
            bad = sum(w.non_2xx + w.socket_errors for w in m.runs)
            rows += [
                [m.store, label, f"{count:,}", f"{mb:.1f}", f"{mb - base:+.1f}", str(bad)]
                for label, count, mb in m.points
            ]
        out += _table(["store", "point", "requests", "RSS MiB", "growth MiB", "errors"], rows)

    if verdicts:
        out += ["## Goals", ""]
        out += _table(["goal", "result"], [list(v) for v in verdicts])

    if profile is not None:
        note, spots, ours = profile
        out += ["## Profile of `vlmspec serve` under wrk -c 10 (py-spy)", "", note, ""]
        out += ["Top frames by self time:", ""]
        out += _table(
            ["file:line", "function", "self %", "total %"],
            [[s.where, s.func, f"{s.self_pct:.1f}", f"{s.total_pct:.1f}"] for s in spots],
        )
        out += ["This repository's own frames by inclusive time:", ""]
        out += _table(
            ["file:line", "function", "self %", "total %"],
            [[s.where, s.func, f"{s.self_pct:.1f}", f"{s.total_pct:.1f}"] for s in ours],
        )
    return "\n".join(out)


def slower_at_10(ours: TargetResults, others: Sequence[TargetResults]) -> bool:
    """Whether any other target served more requests/s at 10 connections."""
    mine = next((r.rps for r in ours.runs if r.connections == 10), math.nan)
    theirs = [r.rps for t in others for r in t.runs if r.connections == 10]
    return bool(theirs) and mine < max(theirs)


def verdicts(
    ours: TargetResults, targets: Sequence[TargetResults], rss: Sequence[RssResults]
) -> list[tuple[str, str]]:
    """Each goal of the issue with pass/**FAIL** (or the figure, for memory)."""
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
    for r in rss:
        if len(r.points) != 3:
            continue
        (_, _, before), (_, early_n, early), (_, after_n, after) = r.points
        bad = sum(w.non_2xx + w.socket_errors for w in r.runs)
        out.append(
            (
                f"RSS growth {early_n:,} → {after_n:,} requests, store {r.store}",
                f"{after - early:+.1f} MiB (from start {after - before:+.1f} MiB)"
                + (f"; **FAIL**: {bad} errors" if bad else ""),
            )
        )
    return out
