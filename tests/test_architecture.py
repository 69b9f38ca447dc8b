"""The layering rules of ARCHITECTURE.md, enforced on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vlmspec"
LAYERS = {"codegen", "generated", "refserver", "conformance"}
CLI = "cli"  # every module of vlmspec/ outside the four layer subpackages
ALLOWED = {
    "codegen": set(),
    "generated": set(),
    "refserver": {"generated"},
    "conformance": {"codegen", "generated"},
    CLI: {"codegen", "generated", "refserver", "conformance"},
}


def _layer_of(module: str) -> str | None:
    """The layer an absolute module name belongs to, or None when it is not ours."""
    parts = module.split(".")
    if parts[0] != "vlmspec":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else CLI


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a (possibly relative) `from … import` names."""
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(path, node)
            if module == "vlmspec" or node.module is None:
                # `from vlmspec import codegen` / `from . import x`: the names are modules
                found.update((f"{module}.{alias.name}", node.lineno) for alias in node.names)
            else:
                found.add((module, node.lineno))
    return found


def _modules_of(layer: str) -> list[Path]:
    if layer == CLI:
        return sorted(PACKAGE.glob("*.py"))
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    broken = []
    for path in _modules_of(layer):
        for module, line in _imports(path):
            target = _layer_of(module)
            if target is None or target == layer or target in ALLOWED[layer]:
                continue
            if target == CLI and module in {"vlmspec", "vlmspec._exit"} and layer == CLI:
                continue
            broken.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not broken, "layering rule broken (see ARCHITECTURE.md):\n" + "\n".join(broken)


def test_rule_detects_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself can fail: a relative import reaching refserver from codegen is caught."""
    fake = ROOT / "vlmspec" / "codegen" / "_probe_for_test.py"
    node = ast.parse("from ..refserver import x").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _layer_of(_resolve(fake, node)) == "refserver"


def test_cli_imports_heavy_layers_lazily() -> None:
    """`vlmspec --help` must not import the server or the conformance engine."""
    for name in ("cli.py", "__init__.py"):
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        top_level: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                top_level.add(_resolve(PACKAGE / name, node))
                top_level.update(f"{_resolve(PACKAGE / name, node)}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                top_level.update(alias.name for alias in node.names)
        heavy = {"vlmspec.refserver", "vlmspec.conformance", "schemathesis", "fastapi"}
        assert not {m for m in top_level if any(m.startswith(h) for h in heavy)}, name
