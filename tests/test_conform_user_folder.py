"""In a user's own folder holding their `generated/` (from their spec), `vlmspec conform` and
`vlmspec serve` still run ours: a user's folder never shadows a layer of vlmspec."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = "vlmspec serve: listening on "


def vlmspec(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vlmspec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "XDG_STATE_HOME": str(cwd / "state"), "VLMRUN_BASE_URL": ""},
    )


def test_generate_then_conform_and_serve_in_a_user_folder(tmp_path: Path) -> None:
    spec = ROOT / "tests" / "fixtures" / "diff" / "v001.yaml"
    made = vlmspec(tmp_path, "generate", "--spec", str(spec), "--out", "generated")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "generated" / "models.py").is_file()
    (tmp_path / "codegen").mkdir()  # another folder named like one of our layers
    (tmp_path / "codegen" / "__init__.py").write_text("raise ImportError('the user folder')\n")

    checked = vlmspec(tmp_path, "conform", "--clause", "health", "--clause", "usage")
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert "ImportError" not in checked.stderr

    server = subprocess.Popen(
        [sys.executable, "-m", "vlmspec", "serve", "--port", "0", "--db", ":memory:"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:  # a thread, so that a silent server cannot block the test
        assert server.stdout is not None
        lines.extend(server.stdout)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            if any(line.startswith(READY) for line in lines):
                break
            time.sleep(0.05)
        assert any(line.startswith(READY) for line in lines), f"{lines} exit {server.poll()}"
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    assert "ImportError" not in errors and "Traceback" not in errors, errors[-2000:]
