"""Unit tests of the server bench harness (bench/bench_server.py helpers); no servers, no wrk."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _server_checks import SpecSchemas, _pct, _stream_problem  # noqa: E402
from _server_procs import BenchError  # noqa: E402
from _server_profile import hot_spots, our_hot_spots  # noqa: E402
from _server_report import RssResults, TargetResults, render  # noqa: E402
from _server_wrk import WrkLoad, parse_output, write_script  # noqa: E402

SCHEMAS = SpecSchemas(ROOT / "spec" / "openapi.yaml")

CHUNK = {
    "id": "c1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
}


def _summary(**over: object) -> str:
    data: dict[str, object] = {
        "duration_us": 2_000_000,
        "requests": 1000,
        "bytes": 1,
        "errors": {"connect": 0, "read": 1, "write": 0, "status": 3, "timeout": 2},
        "p50_us": 1500,
        "p90_us": 2500,
        "p99_us": 9000,
        "max_us": 12000,
        "statuses": {"201": 990, "429": 3, "200": 7},
    }
    data.update(over)
    return "Running 2s test\n  Latency ...\nBENCHJSON " + json.dumps(data) + "\nRequests/sec: 1\n"


def test_parse_output_reads_the_lua_summary() -> None:
    result = parse_output(_summary(), 10)
    assert result.rps == 500
    assert (result.p50_ms, result.p99_ms) == (1.5, 9.0)
    assert result.non_2xx == 3
    assert result.socket_errors == 3


def test_parse_output_without_summary_is_a_bench_error() -> None:
    with pytest.raises(BenchError, match="unable to connect"):
        parse_output("", 1, stderr="unable to connect to 127.0.0.1:1 Connection refused")


def test_lua_script_embeds_bodies_and_refuses_the_terminator(tmp_path: Path) -> None:
    load = WrkLoad('{"a":1}', "tok", ['{"session_id":"s1"}', '{"session_id":"s2"}'], 4)
    text = write_script(load, 7, tmp_path / "x.lua", tmp_path).read_text()
    assert '[==[{"a":1}]==]' in text and '[==[{"session_id":"s2"}]==]' in text
    assert "local stop_after = 7" in text and "Bearer tok" in text
    with pytest.raises(BenchError):
        write_script(WrkLoad('{"a":"]==]"}', "t"), 0, tmp_path / "y.lua", tmp_path)


@pytest.mark.skipif(shutil.which("luajit") is None, reason="luajit not installed")
def test_lua_script_compiles(tmp_path: Path) -> None:
    load = WrkLoad('{"a":1}', "tok", ['{"session_id":"s1"}'], 4)
    script = write_script(load, 0, tmp_path / "x.lua", tmp_path)
    subprocess.run(["luajit", "-bl", str(script)], check=True, capture_output=True)


def test_stream_problem_accepts_valid_chunks_and_flags_the_rest() -> None:
    good = f"data: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()
    assert _stream_problem(201, "text/event-stream; charset=utf-8", good, SCHEMAS) is None
    no_done = f"data: {json.dumps(CHUNK)}\n\n".encode()
    assert "[DONE]" in str(_stream_problem(200, "text/event-stream", no_done, SCHEMAS))
    bad = f"data: {json.dumps({**CHUNK, 'object': 'x'})}\n\ndata: [DONE]\n\n".encode()
    assert "ChatCompletionChunk" in str(_stream_problem(200, "text/event-stream", bad, SCHEMAS))
    problem = b'{"title":"Cannot serialise complex objects as text","status":500}'
    found = _stream_problem(500, "application/problem+json", problem, SCHEMAS)
    assert found == "HTTP 500 application/problem+json: Cannot serialise complex objects as text"


def test_chat_completion_schema_rejects_nulls() -> None:
    assert SCHEMAS.errors("ChatCompletion", None)
    assert SCHEMAS.errors("ChatCompletion", {"id": "x", "object": "chat.completion"})


def test_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert _pct(values, 50) == pytest.approx(50.5)
    assert _pct(values, 99) == pytest.approx(99.01)
    assert math.isnan(_pct([], 50))


def test_hot_spots_rank_self_and_inclusive_time(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "refserver").mkdir(parents=True)
    (root / "refserver" / "__init__.py").write_text("")
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"main ({root}/refserver/_app.py:10);dumps (/usr/lib/python3.11/json/__init__.py:231) 30\n"
        "main (refserver/_app.py:10);work (refserver/_store.py:5) 60\n"
        "idle (/x/site-packages/uvicorn/server.py:3) 10\n"
    )
    samples, spots = hot_spots(raw, root)
    assert samples == 100
    assert [(s.where, s.self_pct) for s in spots] == [
        ("refserver/_store.py:5", 60.0),
        ("/usr/lib/python3.11/json/__init__.py:231", 30.0),
        ("uvicorn/server.py:3", 10.0),
    ]
    ours = our_hot_spots(raw, root)
    assert [(s.where, s.total_pct) for s in ours] == [
        ("refserver/_app.py:10", 90.0),
        ("refserver/_store.py:5", 60.0),
    ]


def test_render_reports_failures() -> None:
    ours = TargetResults("vlmspec serve")
    ours.runs.append(parse_output(_summary(), 10))
    ours.soak = parse_output(_summary(), 50)
    rss = RssResults("memory", "m", points=[("before", 0, 50.0), ("after", 100, 60.5)])
    text = render(["env"], [ours], [rss], [("goal", "**FAIL**: x")], None)
    assert "| vlmspec serve | 10 | 500 | 1.50 | 9.00 | 1,000 | 3 | 3 |" in text
    assert "**FAIL**" in text and "| memory | after | 100 | 60.5 | +10.5 | 0 |" in text
