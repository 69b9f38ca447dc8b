"""Replay issue 7's attacks on `vlmspec serve` over loopback and measure what each one costs.

Run `python bench/bench_attacks.py [--only NAME ...]`; prints a Markdown table and writes
bench/out/attacks.md. Each attack gets a fresh server and is bounded in count and time.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import io
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "attacks.md"
KEY = "bench-attack-key"
CHAT = "/v1/openai/chat/completions"
HEALTH = "/v1/health"
READY = "listening on "
REQUEST_TIMEOUT = 120.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
PROBE_EVERY = 0.1

GUEST_LIMIT = 10  # the server's default --guest-limit: what an over-quota guest has used up
BACKTRACK = "^(a+)+$"  # catastrophic in Python's `re`: seconds at 28 `a`s, hours at 40
LOOKAHEAD = "^(a+)+(?=b)"  # RE2 cannot run it, so only the worker deadline bounds it
GUEST_AS = 28
KEY_AS = 40
ZIP_MEMBERS = 170_000
PROMPT_WORDS = 3_900_000
USER_AGENT_BYTES = 64 << 20
ROTATING_GUESTS = 1_000
BIG_TURNS = 5
BIG_TURN_BYTES = 19 << 20  # just under the server's 20 MiB body limit
STALLED = 3_000
STALL_WAIT = 12.0  # the server's 10 s head deadline, plus a margin
DISCONNECTS = 1_000
DISCONNECT_BATCH = 50
CHUNK = 64 << 10
TIMES = "\N{MULTIPLICATION SIGN}"


class BenchError(Exception):
    """A condition that stops the bench with a one-line message."""


@dataclass
class Server:
    """A running `vlmspec serve` process, its root URL, database and stderr log."""

    proc: subprocess.Popen[bytes]
    root: str
    db: Path
    log: Path

    @property
    def pid(self) -> int:
        """The server's (main) process id."""
        return self.proc.pid

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) for raw sockets."""
        host, port = self.root.removeprefix("http://").rsplit(":", 1)
        return host.strip("[]"), int(port)


@dataclass
class Outcome:
    """What the attacker saw: a short description of the answer and how long it took."""

    answer: str
    seconds: float


@dataclass
class Snapshot:
    """The server's resource use at one moment."""

    cpu: float
    rss: float
    fds: int
    db: int
    log: int


@dataclass
class Attack:
    """One attack: an optional untimed setup, then the measured run."""

    name: str
    title: str
    run: Callable[[Server], Outcome]
    prepare: Callable[[Server], None] | None = None


@dataclass
class Row:
    """One line of the report."""

    attack: Attack
    outcome: Outcome
    before: Snapshot
    after: Snapshot
    probe: Probe
    log_bytes: int
    tracebacks: int
    stop: str


# --- the server process


def _server_env() -> dict[str, str]:
    """The environment minus a key that would be accepted besides ours."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("VLMRUN_API_KEY", None)
    return env


@contextlib.contextmanager
def serving(workdir: Path) -> Iterator[Server]:
    """A fresh server on a free loopback port with its own SQLite file; killed at the end."""
    db, out, log = workdir / "attack.db", workdir / "stdout.log", workdir / "stderr.log"
    argv = [sys.executable, "-m", "vlmspec", "serve", "--port", "0"]
    argv += ["--db", str(db), "--api-key", KEY]
    with out.open("wb") as stdout, log.open("wb") as stderr:
        # A session of its own: the group (server and its workers) can be killed at once.
        proc = subprocess.Popen(
            argv,
            stdout=stdout,
            stderr=stderr,
            cwd=workdir,
            env=_server_env(),
            start_new_session=True,
        )
    try:
        yield Server(proc, _wait_banner(proc, out, log), db, log)
    finally:
        _kill_group(proc)


def _wait_banner(proc: subprocess.Popen[bytes], out: Path, log: Path) -> str:
    """The root URL from the `listening on http://HOST:PORT` banner line."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in out.read_text(errors="replace").splitlines():
            if READY in line:
                return line.split(READY, 1)[1].strip()
        if proc.poll() is not None:
            tail = " | ".join(log.read_text(errors="replace").splitlines()[-3:])
            raise BenchError(f"vlmspec serve exited with {proc.returncode}: {tail}")
        time.sleep(0.05)
    raise BenchError(f"vlmspec serve printed no '{READY.strip()}' line in {START_TIMEOUT:.0f} s")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of the server's process group (workers included)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def terminate(server: Server) -> str:
    """SIGTERM the main process as a user would; how it ended and how long that took."""
    start = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"ignored for {STOP_TIMEOUT:.0f} s (SIGKILL)"
    return f"exit {code} in {time.monotonic() - start:.1f} s"


# --- reading /proc


def _tree(pid: int) -> list[int]:
    """`pid` and its live descendants (the CPU workers are spawned children)."""
    tree, index = [pid], 0
    while index < len(tree):
        for task in Path(f"/proc/{tree[index]}/task").glob("*"):
            with contextlib.suppress(OSError):
                tree.extend(int(c) for c in (task / "children").read_text().split())
        index += 1
    return tree


def _cpu_of(pid: int) -> float:
    """User + system seconds of `pid` and of the children it has reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: reaped workers (a killed runaway job) count via cutime.
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, key: str) -> int:
    """One `kB` line (VmRSS, VmHWM) of /proc/PID/status; 0 once the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_mib(pid: int) -> float:
    """Resident memory of the server and its workers, in MiB."""
    return sum(_status_kib(p, "VmRSS") for p in _tree(pid)) / 1024


def fd_count(pid: int) -> int:
    """Open descriptors of the server's main process (where connections live)."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def db_bytes(db: Path) -> int:
    """The SQLite file with its WAL and shared-memory files."""
    paths = [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))]
    return sum(p.stat().st_size for p in paths if p.exists())


def snapshot(server: Server) -> Snapshot:
    """CPU, memory, descriptors, database and log size of the server right now."""
    cpu = sum(_cpu_of(p) for p in _tree(server.pid))
    log = server.log.stat().st_size
    return Snapshot(cpu, rss_mib(server.pid), fd_count(server.pid), db_bytes(server.db), log)


class Probe:
    """Polls /v1/health, descriptors and memory in a thread while an attack runs."""

    def __init__(self, server: Server) -> None:
        """Nothing is polled until the probe is entered."""
        self.server = server
        self.worst = 0.0
        self.failures = 0
        self.max_fds = 0
        self.max_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Probe:
        """Start polling."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop polling (after the sample in flight)."""
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        """Sample every PROBE_EVERY seconds until stopped."""
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(PROBE_EVERY)

    def _sample(self) -> None:
        """One health request (a fresh connection, like a new client) and one /proc reading."""
        start = time.monotonic()
        try:
            ok = httpx.get(self.server.root + HEALTH, timeout=30).status_code == 200
        except httpx.HTTPError:
            ok = False
        self.worst = max(self.worst, time.monotonic() - start)
        self.failures += not ok
        self.max_fds = max(self.max_fds, fd_count(self.server.pid))
        self.max_rss = max(self.max_rss, rss_mib(self.server.pid))


# --- requests


def _headers(*, key: bool, browser: str | None) -> dict[str, str]:
    """A keyed request, or a guest one identified by its X-Browser-Id."""
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {KEY}"
    if browser is not None:
        headers["x-browser-id"] = browser
    return headers


def post(
    server: Server, body: bytes, *, key: bool = True, browser: str | None = None
) -> httpx.Response:
    """POST an encoded chat body (encoded once by the caller: some are tens of MiB)."""
    headers = _headers(key=key, browser=browser)
    return httpx.post(server.root + CHAT, content=body, headers=headers, timeout=REQUEST_TIMEOUT)


def chat_body(content: str, **extra: Any) -> bytes:
    """A one-message chat request, JSON-encoded."""
    return json.dumps({"messages": [{"role": "user", "content": content}], **extra}).encode()


def evil_body(count: int, pattern: str) -> bytes:
    """A schema whose only value, `count` a's and a `!`, must not match `pattern`."""
    schema = {"type": "string", "enum": ["a" * count + "!"], "not": {"pattern": pattern}}
    return chat_body("x", response_format={"type": "json_schema", "schema": schema})


def describe(response: httpx.Response) -> str:
    """The status; for an error, where and why (the message up to its parenthesis)."""
    try:
        detail = response.json()["detail"][0]
        where = ".".join(str(part) for part in detail["loc"][1:])  # loc[0] is always "body"
        why = str(detail["msg"]).split(" (", 1)[0]
    except (ValueError, KeyError, IndexError, TypeError):
        return str(response.status_code)
    return f'{response.status_code} at `{where}` ("{why}")'


def timed_post(
    server: Server, body: bytes, *, key: bool = True, browser: str | None = None
) -> Outcome:
    """One request; its answer and latency (a timeout is an answer too)."""
    start = time.monotonic()
    try:
        answer = describe(post(server, body, key=key, browser=browser))
    except httpx.HTTPError as exc:
        answer = f"no answer ({type(exc).__name__})"
    return Outcome(answer, time.monotonic() - start)


def tally(codes: Counter[int]) -> str:
    """Status counts as the README writes them: count, a times sign, status; by status."""
    return ", ".join(f"{n:,} {TIMES} {code}" for code, n in sorted(codes.items()))


# --- the attacks


def use_up_guest_quota(server: Server) -> None:
    """Spend the guest's daily chats so the attack comes from an over-quota guest."""
    codes = Counter(
        post(server, chat_body("x"), key=False, browser="g").status_code for _ in range(GUEST_LIMIT)
    )
    if codes != Counter({201: GUEST_LIMIT}):
        raise BenchError(f"spending the guest quota: {tally(codes)}")


def regex_as_guest(server: Server) -> Outcome:
    """The backtracking schema from a guest already over its quota."""
    return timed_post(server, evil_body(GUEST_AS, BACKTRACK), key=False, browser="g")


def regex_with_key(server: Server) -> Outcome:
    """The backtracking schema on 40 a's with a valid key (RE2 makes it linear)."""
    return timed_post(server, evil_body(KEY_AS, BACKTRACK))


def lookahead_with_key(server: Server) -> Outcome:
    """A lookahead RE2 cannot run: only the worker's deadline stops it."""
    return timed_post(server, evil_body(KEY_AS, LOOKAHEAD))


def _skill_zip() -> bytes:
    """A zip of ZIP_MEMBERS empty members plus one SKILL.md (valid, just huge to list)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for i in range(ZIP_MEMBERS):
            bundle.writestr(str(i), "")
        bundle.writestr("SKILL.md", "x")
    return buffer.getvalue()


def zip_skill(server: Server) -> Outcome:
    """An inline skill whose zip has ZIP_MEMBERS members."""
    data = base64.b64encode(_skill_zip()).decode()
    source = {"type": "base64", "media_type": "application/zip", "data": data}
    body = chat_body("x", skills=[{"type": "inline", "name": "s", "source": source}])
    outcome = timed_post(server, body)
    outcome.answer += f" ({len(body) / (1 << 20):.1f} MiB body)"
    return outcome


def long_prompt(server: Server) -> Outcome:
    """A prompt of PROMPT_WORDS words to tokenize."""
    body = chat_body("w " * PROMPT_WORDS)
    outcome = timed_post(server, body)
    outcome.answer += f" ({len(body) / (1 << 20):.1f} MiB body)"
    return outcome


def _send_until_answered(sock: socket.socket, total: int) -> tuple[int, bytes]:
    """Send `total` bytes of header value unless the server answers first; (sent, answer)."""
    chunk, sent = b"a" * CHUNK, 0
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(chunk)
            sent += len(chunk)
        if sent >= total:
            sock.sendall(b"\r\n\r\n")
    except OSError:
        pass  # the server closed: its answer (if any) is read below
    try:
        return sent, sock.recv(256)
    except OSError as exc:
        return sent, type(exc).__name__.encode()


def huge_user_agent(server: Server) -> Outcome:
    """A USER_AGENT_BYTES User-Agent header, sent as fast as the server reads it."""
    start = time.monotonic()
    with socket.create_connection(server.address, timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nUser-Agent: ")
        sent, answer = _send_until_answered(sock, USER_AGENT_BYTES)
    # "HTTP/1.1 431 Request Header Fields Too Large" -> "431"; an exception name otherwise.
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    status = line.split()[1] if line.startswith("HTTP/") else line or "closed"
    # Socket buffers take megabytes before the client notices: the server read only its bound.
    elapsed = time.monotonic() - start
    return Outcome(f"{status} (client had sent {sent >> 10:,} KiB)", elapsed)


def rotating_guests(server: Server) -> Outcome:
    """ROTATING_GUESTS guest chats from one address, each with a new X-Browser-Id."""
    codes: Counter[int] = Counter()
    body = chat_body("x")
    start = time.monotonic()
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        for i in range(ROTATING_GUESTS):
            headers = _headers(key=False, browser=f"browser-{i}")
            codes[client.post(server.root + CHAT, content=body, headers=headers).status_code] += 1
    return Outcome(tally(codes), time.monotonic() - start)


def big_guest_turns(server: Server) -> Outcome:
    """BIG_TURNS guest turns of BIG_TURN_BYTES each, in sessions (so they are stored)."""
    codes: Counter[int] = Counter()
    text = "word " * (BIG_TURN_BYTES // 5)
    start = time.monotonic()
    for i in range(BIG_TURNS):
        body = chat_body(text, session_id=f"big-{i}")
        codes[post(server, body, key=False, browser=f"big-{i}").status_code] += 1
    return Outcome(tally(codes), time.monotonic() - start)


def _stall(address: tuple[str, int]) -> socket.socket | None:
    """A connection that sends half a request head and then nothing; None if refused."""
    try:
        sock = socket.create_connection(address, timeout=5)
    except OSError:
        return None
    with contextlib.suppress(OSError):  # shed by the server already: counted as closed later
        sock.sendall(b"POST /v1/openai/chat/completions HTTP/1.1\r\nHost: x\r\n")
    return sock


def _closed_by_server(sock: socket.socket) -> str:
    """'408', 'closed' or 'open', read without blocking."""
    sock.setblocking(False)
    try:
        data = sock.recv(64)
    except BlockingIOError:
        return "open"
    except OSError:
        return "closed"
    return "408" if data.startswith(b"HTTP/1.1 408") else "closed"


def stalled_connections(server: Server) -> Outcome:
    """STALLED half-sent heads held open; STALL_WAIT later, how many the server closed."""
    start = time.monotonic()
    socks = [s for s in (_stall(server.address) for _ in range(STALLED)) if s is not None]
    opened = time.monotonic() - start
    try:
        time.sleep(STALL_WAIT)
        states = Counter(_closed_by_server(s) for s in socks)
        fds = fd_count(server.pid)  # ours still open: whatever the server holds, it chose to
    finally:
        for sock in socks:
            sock.close()
    answer = (
        f"{STALL_WAIT:.0f} s later: {states['408']:,} {TIMES} 408, {states['closed']:,} closed"
        f" unanswered (shed), {states['open']:,} open, {STALLED - len(socks):,} refused;"
        f" server fds {fds}"
    )
    return Outcome(answer, opened)


def _leave_mid_body(address: tuple[str, int], count: int) -> None:
    """`count` clients that announce a 100 kB body, send a few bytes of it and hang up."""
    head = (
        b"POST /v1/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Bearer {KEY}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        + b'{"messages": ['
    )
    socks = [socket.create_connection(address, timeout=10) for _ in range(count)]
    for sock in socks:
        sock.sendall(head)
    time.sleep(0.05)  # let the server start reading each body before the client leaves
    for sock in socks:
        sock.close()


def mid_body_disconnects(server: Server) -> Outcome:
    """DISCONNECTS clients leaving mid-body, in batches of DISCONNECT_BATCH."""
    start = time.monotonic()
    for done in range(0, DISCONNECTS, DISCONNECT_BATCH):
        _leave_mid_body(server.address, min(DISCONNECT_BATCH, DISCONNECTS - done))
    time.sleep(0.5)  # the server logs each disconnect after the client is gone
    return Outcome(f"{DISCONNECTS:,} left mid-body", time.monotonic() - start)


ATTACKS = [
    Attack(
        "guest-regex",
        f'over-quota guest, `not: {{pattern: "{BACKTRACK}"}}` on {GUEST_AS} `a`s + `!`',
        regex_as_guest,
        use_up_guest_quota,
    ),
    Attack("key-regex", f"same schema, {KEY_AS} `a`s, with a key", regex_with_key),
    Attack(
        "lookahead", f"same with a lookahead RE2 cannot run (`{LOOKAHEAD}`)", lookahead_with_key
    ),
    Attack("zip-skill", f"inline skill zip with {ZIP_MEMBERS:,} members", zip_skill),
    Attack("long-prompt", f"{PROMPT_WORDS / 1e6:.1f} M-word prompt", long_prompt),
    Attack("user-agent", f"{USER_AGENT_BYTES >> 20} MiB `User-Agent`", huge_user_agent),
    Attack(
        "rotating-guests",
        f"{ROTATING_GUESTS:,} guest chats, each a new `X-Browser-Id`",
        rotating_guests,
    ),
    Attack(
        "big-turns",
        f"{BIG_TURNS} guest turns of {BIG_TURN_BYTES >> 20} MiB each in sessions",
        big_guest_turns,
    ),
    Attack(
        "stalled",
        f"{STALLED:,} connections that send half a head and stall",
        stalled_connections,
    ),
    Attack("disconnects", f"{DISCONNECTS:,} clients leaving mid-body", mid_body_disconnects),
]


# --- running and reporting


def measure(attack: Attack) -> Row:
    """Run one attack against a fresh server and collect every figure of its row."""
    with tempfile.TemporaryDirectory(prefix="vlmspec-attack-") as tmp, serving(Path(tmp)) as server:
        if attack.prepare is not None:
            attack.prepare(server)
        before = snapshot(server)
        with Probe(server) as probe:
            outcome = _run(attack, server)
        after = snapshot(server)
        stop = terminate(server)
        log = server.log.read_bytes()[before.log :]
    return Row(attack, outcome, before, after, probe, len(log), log.count(b"Traceback"), stop)


def _run(attack: Attack, server: Server) -> Outcome:
    """The attack's outcome; a refused or reset connection is an outcome too, not a crash."""
    start = time.monotonic()
    try:
        return attack.run(server)
    except (OSError, httpx.HTTPError) as exc:
        return Outcome(f"failed: {type(exc).__name__}: {exc}", time.monotonic() - start)


def size(n: int) -> str:
    """Bytes as B, KiB or MiB."""
    if abs(n) < 1024:
        return f"{n:,} B"
    if abs(n) < 1 << 20:
        return f"{n / 1024:,.0f} KiB"
    return f"{n / (1 << 20):,.1f} MiB"


COLUMNS = [
    "attack",
    "answer",
    "time (s)",
    "server CPU (s)",
    "health worst (s)",
    "RSS MiB before → after (peak)",
    "fds before → max → after",
    "DB + WAL before → after",
    "log bytes",
    "SIGTERM",
]


def cells(row: Row) -> list[str]:
    """The Markdown cells of one row."""
    probe, before, after = row.probe, row.before, row.after
    health = f"{probe.worst:.2f}" + (f" ({probe.failures} failed)" if probe.failures else "")
    peak = max(probe.max_rss, after.rss)
    log = f"{row.log_bytes:,}" + (f" ({row.tracebacks} tracebacks)" if row.tracebacks else "")
    return [
        row.attack.title,
        row.outcome.answer,
        f"{row.outcome.seconds:.2f}",
        f"{after.cpu - before.cpu:.2f}",
        health,
        f"{before.rss:.0f} → {after.rss:.0f} ({peak:.0f})",
        f"{before.fds} → {max(before.fds, probe.max_fds, after.fds)} → {after.fds}",
        f"{size(before.db)} → {size(after.db)}",
        log,
        row.stop,
    ]


def render(rows: list[Row]) -> str:
    """The report: a header naming the conditions, then the table."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Attacks on `vlmspec serve`",
        "",
        f"`python bench/bench_attacks.py`, {now}, {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}; one fresh server per attack (`--db` file, `--api-key`),"
        " loopback. time: until the answer (a series: all of it; connections: opening them)."
        " Server CPU, RSS: the server and its workers (peak: highest sample). Health:"
        f" `GET {HEALTH}` on a new connection every {PROBE_EVERY} s during the attack, all 200"
        " unless noted. fds: the main process. Log bytes: stderr from the attack to the exit."
        " SIGTERM: after the attack.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _raise_fd_limit() -> None:
    """The stalled-connection attack holds STALLED sockets in this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = STALLED + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):  # then the attack reports refusals
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """`--only NAME ...` and `--out PATH`."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    names = [a.name for a in ATTACKS]
    p.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=", ".join(names))
    p.add_argument("--out", type=Path, default=OUT, help="where the Markdown table goes")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen attacks one after another; print and write the table."""
    args = _parse_args(argv)
    _raise_fd_limit()
    rows = []
    for attack in ATTACKS:
        if args.only and attack.name not in args.only:
            continue
        print(f"{attack.name}: ...", file=sys.stderr, flush=True)
        try:
            rows.append(measure(attack))
        except BenchError as exc:
            print(f"bench_attacks: {attack.name}: {exc}", file=sys.stderr)
            return 1
        print(f"{attack.name}: {rows[-1].outcome.answer}", file=sys.stderr, flush=True)
    report = render(rows)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
