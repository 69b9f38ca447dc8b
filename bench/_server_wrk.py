"""Drive wrk with a generated Lua script and read back its machine-readable summary."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _server_procs import BenchError

CHAT_PATH = "/v1/openai/chat/completions"
_MARK = "BENCHJSON "

# Statuses are counted in Lua because wrk's own summary only counts codes > 399.
_LUA = """\
local plain_body = [==[{plain}]==]
local session_bodies = {{ {sessions} }}
local session_every = {session_every}
local stop_after = {stop_after}
local marker_dir = [==[{marker_dir}]==]
local headers = {{
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer {token}",
}}
local threads = {{}}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  sent = 0
  statuses = {{}}
  plain_req = wrk.format("POST", "{path}", headers, plain_body)
  session_reqs = {{}}
  for i, b in ipairs(session_bodies) do
    session_reqs[i] = wrk.format("POST", "{path}", headers, b)
  end
end

function request()
  sent = sent + 1
  if session_every > 0 and #session_reqs > 0 and sent % session_every == 0 then
    local k = math.floor(sent / session_every) % #session_reqs + 1
    return session_reqs[k]
  end
  return plain_req
end

function response(status, hdrs, body)
  responses = responses + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if stop_after > 0 and responses == stop_after then
    -- wrk sleeps for the full -d; the marker tells the harness to SIGINT it early.
    local f = io.open(marker_dir .. "/" .. tid, "w")
    if f then f:close() end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local merged = {{}}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local parts = {{}}
  for code, n in pairs(merged) do
    table.insert(parts, string.format('"%s":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    '{mark}{{"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"statuses":{{%s}}}}\\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ",")))
end
"""


@dataclass(frozen=True)
class WrkLoad:
    """What each connection sends: a plain body, and every Nth request one of a session pool."""

    plain_body: str
    token: str
    session_bodies: Sequence[str] = ()
    session_every: int = 0


@dataclass
class WrkResult:
    """One wrk run, as its Lua `done` hook reported it."""

    connections: int
    duration_s: float
    requests: int
    errors: dict[str, int]
    statuses: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not code.startswith("2"))

    @property
    def socket_errors(self) -> int:
        return sum(self.errors[k] for k in ("connect", "read", "write", "timeout"))


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk not found; run `bash bench/install_tools.sh` first")
    return path


def write_script(load: WrkLoad, stop_after: int, path: Path, marker_dir: Path) -> Path:
    """Render the Lua script for `load`; `stop_after` > 0 stops each thread after that many."""
    for text in (load.plain_body, *load.session_bodies):
        if "]==]" in text:
            raise BenchError("request body contains the Lua long-string terminator ]==]")
    sessions = ", ".join(f"[==[{b}]==]" for b in load.session_bodies)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        _LUA.format(
            plain=load.plain_body,
            sessions=sessions,
            session_every=load.session_every,
            stop_after=stop_after,
            token=load.token,
            path=CHAT_PATH,
            mark=_MARK,
            marker_dir=marker_dir,
        )
    )
    return path


def run_wrk(
    base_url: str,
    load: WrkLoad,
    *,
    connections: int,
    duration_s: float,
    script_path: Path,
    total_requests: int = 0,
    timeout_s: float = 10.0,
) -> WrkResult:
    """Run wrk once; with `total_requests` the run stops at that count (or at `duration_s`)."""
    threads = min(2, connections)
    stop_after = -(-total_requests // threads) if total_requests else 0
    markers = script_path.with_suffix(".stopped")
    shutil.rmtree(markers, ignore_errors=True)
    markers.mkdir(parents=True)
    write_script(load, stop_after, script_path, markers)
    argv = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "--latency",
        "-s",
        str(script_path),
        base_url + CHAT_PATH,
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + duration_s + timeout_s + 30
    while proc.poll() is None and time.monotonic() < deadline:
        if stop_after and len(list(markers.iterdir())) >= threads:
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.05)
    try:
        stdout, stderr = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise BenchError(f"wrk did not finish: {' '.join(argv)}") from exc
    finally:
        shutil.rmtree(markers, ignore_errors=True)
    return parse_output(stdout, connections, stderr=stderr)


def parse_output(stdout: str, connections: int, *, stderr: str = "") -> WrkResult:
    """Pick the BENCHJSON line out of wrk's stdout."""
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            data: dict[str, Any] = json.loads(line[len(_MARK) :])
            break
    else:
        detail = (stderr.strip() or stdout.strip()).splitlines()[-1:] or ["no output"]
        raise BenchError(f"wrk printed no summary: {detail[0]}")
    return WrkResult(
        connections=connections,
        duration_s=data["duration_us"] / 1e6,
        requests=data["requests"],
        errors={k: int(v) for k, v in data["errors"].items()},
        statuses={k: int(v) for k, v in data["statuses"].items()},
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        raw=data,
    )
