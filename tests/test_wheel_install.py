"""The wheel installs one top-level package, `vlmspec`, so a user's `generated/` or `codegen/`
folder can never shadow a layer of ours (issue: the first hour of a new user)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.xdist_group("wheel")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("vlmspec-*.whl")
    return built


def test_wheel_holds_only_the_vlmspec_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"vlmspec"}
    assert "vlmspec/codegen/_data/openapi.yaml" in names
    assert "vlmspec/codegen/templates/server.py.j2" in names
    for layer in ("codegen", "generated", "refserver", "conformance"):
        assert f"vlmspec/{layer}/__init__.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "vlmspec = vlmspec.cli:main" in text
    assert "vlmspec.conformance.pytest_plugin" in text


def test_installing_the_wheel_adds_one_package_to_site_packages(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site,) = venv.glob("lib/python*/site-packages")
    before = {p.name for p in site.iterdir()}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    added = {p.name for p in site.iterdir()} - before
    assert {a for a in added if not a.endswith(".dist-info") and a != "bin"} == {"vlmspec"}
