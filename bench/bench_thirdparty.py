"""Third-party proof (issue #8.6): `vlmspec conform` against `transformers serve`, a real
OpenAI-compatible server nobody here wrote, on CPU with a tiny model built at run time.

Each clause's verdict is set beside the hand-verified truth (bench/_thirdparty_truth.py) and
classified: true positive, true negative, false alarm, false pass, not judged. The hand checks
are sent again to the live server and their answers appended. Writes bench/out/thirdparty.md
and the raw reports bench/out/thirdparty-<scope>.json.

The server runs from its own venv (transformers + torch), as `nox -s thirdparty` sets up:
    python bench/bench_thirdparty.py --server-python PATH/TO/venv/bin/python
With the earned-verdict engine (`conform --help` lists --target and --no-auth) it judges twice:
as a VLM Run server (today's only scope) and as a plain OpenAI-compatible one without auth.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _thirdparty_evidence import collect  # noqa: E402
from _thirdparty_truth import TRUTH, classify  # noqa: E402

from tests.servers import run_measured  # noqa: E402
from tests.servers._judge import supports  # noqa: E402

OUT = ROOT / "bench" / "out"
SCOPES = {"vlmrun": [], "openai": ["--target", "openai", "--no-auth"]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def transformers_serve(python: Path, model: Path, log: Path) -> Iterator[str]:
    """Start `transformers serve` on loopback with ``model``; yield its OpenAI base URL."""
    port = _free_port()
    command = [str(python.parent / "transformers"), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), str(model)]
    # no hub access here: everything must come from the model directory
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(model.parent / "hf-home")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            _wait_healthy(process, f"http://127.0.0.1:{port}/health", log)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 240  # ~6 s idle; minutes on a loaded 2-core machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"transformers serve exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"transformers serve not healthy in time:\n{log.read_text()[-3000:]}")


def _conform(base: str, model: Path, scope: str, reports: Path) -> tuple[dict[str, object], str]:
    command = [sys.executable, "-m", "vlmspec", "conform", "--base-url", base]
    command += ["--profile", "smoke", "--max-requests", "300", "--model", str(model)]
    # the tiny model answers every prompt with the same words: streams must equal replies
    command += ["--deterministic", "--report-dir", str(reports), *SCOPES[scope]]
    run = run_measured(command, timeout=900)
    report = reports / "report.json"
    data = json.loads(report.read_text()) if report.is_file() else {}
    shown = " ".join(c if " " not in c else repr(c) for c in command[1:])
    head = f"`python {shown}` → exit {run.exit_code}, {run.seconds:.0f} s"
    if not data:
        head += f" (no report)\n\n```\n{run.stdout[-2000:]}{run.stderr[-2000:]}\n```"
    return data, head


def _table(data: dict[str, object], scope: str) -> tuple[list[str], dict[str, int]]:
    lines = [
        "| clause | verdict today | checks | truth | classification | first failure (today) |",
        "|---|---|---:|---|---|---|",
    ]
    counts: dict[str, int] = {}
    clauses = data.get("clauses", [])
    assert isinstance(clauses, list)
    for clause in clauses:
        cid, status = str(clause["id"]), str(clause.get("status"))
        truth = TRUTH.get(cid)
        value = getattr(truth, scope) if truth else "?"
        kind = classify(value, status) if truth else "unverified (new clause)"
        counts[kind] = counts.get(kind, 0) + 1
        failures = clause.get("failures") or []
        first = str(failures[0].get("message", "")) if failures else ""
        first = first.replace("|", "\\|").replace("\n", " ")[:140]
        bold = kind if kind.startswith(("true", "pass")) else f"**{kind}**"
        lines.append(
            f"| `{cid}` | {status} | {clause.get('checks', '-')} | {value} | {bold} | {first} |"
        )
    return lines, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--server-python",
        type=Path,
        default=Path(os.environ.get("VLMSPEC_THIRDPARTY_PYTHON", sys.executable)),
        help="python of the venv with transformers[serving] and torch",
    )
    args = parser.parse_args(argv)
    python = args.server_python.absolute()
    version = subprocess.run(
        [str(python), "-c", "import transformers, torch; print(transformers.__version__, "
         "torch.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    scopes = ["vlmrun"] + (["openai"] if supports("--target") and supports("--no-auth") else [])
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vlmspec-thirdparty-"))
    sections = [
        "# Third-party server: transformers serve",
        "",
        f"`transformers serve` {version[0]} (torch {version[1]}, CPU) with a tiny Llama built at "
        "run time (bench/_tiny_model.py: byte-level BPE, 2 layers, weights set so that it answers "
        'every prompt `{"ok": true}` then stops). Verdicts of today\'s engine beside the truth '
        "established by hand (bench/_thirdparty_truth.py; the hand checks' answers are below).",
        "",
    ]
    try:
        model = work / "tiny-model"
        subprocess.run([str(python), str(ROOT / "bench" / "_tiny_model.py"), str(model)],
                       check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})  # fmt: skip
        with transformers_serve(python, model, work / "serve.log") as base:
            for scope in scopes:
                data, head = _conform(base, model, scope, work / scope)
                (OUT / f"thirdparty-{scope}.json").write_text(json.dumps(data, indent=1))
                lines, counts = _table(data, scope)
                summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
                sections += [f"## Scope: {scope}", "", head, "", *lines, "", summary, ""]
            evidence = collect(base, str(model))
        sections += ["## Hand checks (sent with plain httpx, one connection each)", ""]
        for clause, truth in TRUTH.items():
            sections.append(f"- `{clause}`: {truth.evidence}")
        sections += ["", "Answers on this run:", "", "```"]
        for item in evidence:
            sections.append(f"[{item.clause}] {item.request}\n    -> {item.answer}")
        sections += ["```", ""]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(sections).replace(str(work), "$WORK")
    (OUT / "thirdparty.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
