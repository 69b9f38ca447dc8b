"""The layering rules of ARCHITECTURE.md, enforced on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"codegen", "generated", "refserver", "conformance", "vlmspec"}
ALLOWED = {
    "codegen": set(),
    "generated": set(),
    "refserver": {"generated"},
    "conformance": {"codegen", "generated"},
    "vlmspec": {"codegen", "generated", "refserver", "conformance"},
}


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    broken = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for package, line in _imported_packages(path):
            if package in OURS and package != layer and package not in ALLOWED[layer]:
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    assert not broken, "layering rule broken (see ARCHITECTURE.md):\n" + "\n".join(broken)


def test_cli_imports_heavy_layers_lazily() -> None:
    """`vlmspec --help` must not import the server or the conformance engine."""
    tree = ast.parse((ROOT / "vlmspec" / "cli.py").read_text(encoding="utf-8"))
    top_level: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            top_level.update(alias.name.split(".")[0] for alias in node.names)
    assert not top_level & {"refserver", "conformance", "schemathesis", "fastapi"}
