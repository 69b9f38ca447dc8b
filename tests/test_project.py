"""Project discovery: the nearest pyproject.toml with [tool.vlmspec] decides every path."""

from __future__ import annotations

from pathlib import Path

from vlmspec import find_project, installed_bundle, spec_for_testing
from vlmspec.codegen import SpecError


def _pyproject(folder: Path, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(body, encoding="utf-8")


def test_nearest_table_wins_and_plain_pyprojects_are_skipped(tmp_path: Path) -> None:
    _pyproject(tmp_path, '[tool.vlmspec]\nbundle = "api/bundle.yaml"\npackage = "svc.gen"\n')
    _pyproject(tmp_path / "sub", '[project]\nname = "x"\n')
    deep = tmp_path / "sub" / "a" / "b"
    deep.mkdir(parents=True)
    project = find_project(deep)
    assert not isinstance(project, SpecError) and project is not None
    assert project.root == tmp_path.resolve()
    assert project.bundle == tmp_path.resolve() / "api" / "bundle.yaml"
    assert project.package == "svc.gen"
    assert project.output == tmp_path.resolve() / "generated"


def test_overlays_apply_in_file_name_order(tmp_path: Path) -> None:
    _pyproject(tmp_path, "[tool.vlmspec]\n")
    overlays = tmp_path / "spec" / "overlays"
    overlays.mkdir(parents=True)
    for name in ["020-b.yaml", "010-a.yml", "100-c.yaml", "notes.txt"]:
        (overlays / name).write_text("overlay: 1.0.0\n")
    project = find_project(tmp_path)
    assert project is not None and not isinstance(project, SpecError)
    assert [p.name for p in project.overlays] == ["010-a.yml", "020-b.yaml", "100-c.yaml"]


def test_bad_configuration_is_an_error_value(tmp_path: Path) -> None:
    _pyproject(tmp_path / "typo", '[tool.vlmspec]\nbundel = "x.yaml"\n')
    result = find_project(tmp_path / "typo")
    assert isinstance(result, SpecError) and "bundel" in result.detail
    _pyproject(tmp_path / "broken", "[tool.vlmspec\n")
    assert isinstance(find_project(tmp_path / "broken"), SpecError)
    _pyproject(tmp_path / "pkg", '[tool.vlmspec]\npackage = "not-a-module"\n')
    assert isinstance(find_project(tmp_path / "pkg"), SpecError)


def test_outside_any_project_the_installed_bundle_is_used(tmp_path: Path) -> None:
    assert find_project(tmp_path) is None
    assert spec_for_testing(tmp_path) == installed_bundle()
    assert installed_bundle().is_file()
