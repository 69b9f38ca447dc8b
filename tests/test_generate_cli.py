"""`vlmspec generate` / `vlmspec check` on a tiny project, the golden snapshot, determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.golden import regen
from vlmspec.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "golden" / "fixture.openapi.yaml"
PYPROJECT = """\
[tool.vlmspec]
upstream = "spec/upstream.yaml"
overlays = "spec/overlays"
bundle = "spec/openapi.yaml"
output = "demo_api"
package = "demo_api"
"""
OVERLAY = """\
overlay: 1.0.0
info: {title: Describe the API, version: 1.0.0}
actions:
- target: $.info
  update: {description: Overlaid.}
"""
OUTPUTS = ["demo_api/__init__.py", "demo_api/client.py", "demo_api/models.py", "demo_api/server.py"]


def make_project(root: Path) -> Path:
    """A project with the golden fixture as upstream and one overlay."""
    (root / "spec" / "overlays").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "spec" / "upstream.yaml").write_text(FIXTURE.read_text("utf-8"), encoding="utf-8")
    (root / "spec" / "overlays" / "010-info.yaml").write_text(OVERLAY, encoding="utf-8")
    return root


def run(root: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_generate_then_check_then_stale_then_generate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path)
    first = run(project, "generate", monkeypatch=monkeypatch)
    assert first.exit_code == 0, first.output
    for name in ["spec/openapi.yaml", *OUTPUTS]:
        assert (project / name).is_file(), name
    bundle_text = (project / "spec" / "openapi.yaml").read_text("utf-8")
    assert "description: Overlaid." in bundle_text
    assert run(project, "check", monkeypatch=monkeypatch).exit_code == 0
    assert run(project, "generate", monkeypatch=monkeypatch).stdout.strip() == "up to date"

    upstream = project / "spec" / "upstream.yaml"
    upstream.write_text(
        upstream.read_text("utf-8").replace("        note:\n", "        memo:\n"), encoding="utf-8"
    )
    stale = run(project, "check", monkeypatch=monkeypatch)
    assert stale.exit_code == 1
    named = {line.removeprefix("stale: ") for line in stale.stdout.splitlines()}
    assert named == {"spec/openapi.yaml", *OUTPUTS}  # the digest in every header changed

    assert run(project, "generate", monkeypatch=monkeypatch).exit_code == 0
    assert run(project, "check", monkeypatch=monkeypatch).exit_code == 0
    assert "memo: StrictStr" in (project / "demo_api" / "models.py").read_text("utf-8")


def test_check_names_a_hand_edited_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path)
    assert run(project, "generate", monkeypatch=monkeypatch).exit_code == 0
    models = project / "demo_api" / "models.py"
    models.write_text(models.read_text("utf-8") + "# edited\n", encoding="utf-8")
    (project / "demo_api" / "client.py").unlink()
    result = run(project, "check", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["stale: demo_api/client.py", "stale: demo_api/models.py"]


def test_generated_package_imports_and_validates(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "vlmspec", "generate"], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    probe = (
        "import demo_api.models as m, demo_api.server, demo_api.client\n"
        "print(m.WidgetRequest.model_validate({'name': 'a', 'count': 2.0}).count)\n"
    )
    imported = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.decode().strip() == "2"


def test_committed_generated_code_is_current() -> None:
    """The golden record of this project: spec/openapi.yaml and generated/ equal a fresh render."""
    done = subprocess.run(
        [sys.executable, "-m", "vlmspec", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, f"run `vlmspec generate`:\n{done.stdout}{done.stderr}"


def test_golden_snapshot() -> None:
    """Regenerate with `python -m tests.golden.regen` after an intended change; review the diff."""
    rendered = regen.render()
    stored = {path.name: path.read_text("utf-8") for path in regen.EXPECTED.glob("*.txt")}
    assert sorted(stored) == sorted(rendered)
    for name, text in rendered.items():
        assert stored[name] == text, f"{name} differs: run `python -m tests.golden.regen`"


def test_output_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"seed{seed}" / "golden"
        args = ["generate", "--spec", str(FIXTURE), "--out", str(out)]
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "vlmspec", *args], cwd=ROOT, env=env, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    # ... and equal to the in-process render (the golden snapshot, same source path).
    golden = {p.name.removesuffix(".txt"): p.read_bytes() for p in regen.EXPECTED.glob("*.txt")}
    assert outputs[0] == golden
