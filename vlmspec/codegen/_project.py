"""Find the project a command works on: the nearest pyproject.toml with a [tool.vlmspec] table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ._errors import SpecError

__all__ = ["Project", "find_project", "installed_bundle", "spec_for_testing"]

_DEFAULTS = {
    "upstream": "spec/upstream/openapi.yaml",
    "overlays": "spec/overlays",
    "bundle": "spec/openapi.yaml",
    "output": "generated",
    "package": "generated",
}
# Optional keys without a default: `source` is where the vendor publishes `upstream` (a URL or a
# path), for `vlmspec spec update`; `service` names the service Protocol of the generated server
# (default: derived from the spec's `info.title`).
_OPTIONAL = ("source", "service")


@dataclass(frozen=True)
class Project:
    """Paths of one vlmspec project, all absolute."""

    root: Path
    pyproject: Path
    upstream: Path
    overlays_dir: Path
    bundle: Path
    output: Path
    package: str
    source: str | None = None
    """Where the vendor publishes the upstream file (a URL or a path), for `spec update`."""
    service: str | None = None  # the service Protocol's name; None: from `info.title`

    @property
    def overlays(self) -> list[Path]:
        """Overlay files, applied in file-name order (`010-…`, `020-…`)."""
        if not self.overlays_dir.is_dir():
            return []
        found = [*self.overlays_dir.glob("*.yaml"), *self.overlays_dir.glob("*.yml")]
        return sorted(found, key=lambda p: p.name)


def find_project(start: Path | None = None) -> Project | SpecError | None:
    """The project containing ``start`` (default: the current directory), or None."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            return SpecError("cannot read project configuration", str(exc), str(candidate))
        table = data.get("tool", {}).get("vlmspec")
        if table is None:
            continue
        if not isinstance(table, dict):
            return SpecError("bad [tool.vlmspec]", "must be a table", str(candidate))
        return _project_from(folder, candidate, table)
    return None


def _project_from(root: Path, pyproject: Path, table: dict[str, object]) -> Project | SpecError:
    unknown = sorted(set(table) - set(_DEFAULTS) - set(_OPTIONAL))
    if unknown:
        known = ", ".join(sorted([*_DEFAULTS, *_OPTIONAL]))
        detail = f"unknown key(s) {', '.join(unknown)}; known: {known}"
        return SpecError("bad [tool.vlmspec]", detail, str(pyproject))
    values: dict[str, str] = {}
    for key, default in _DEFAULTS.items():
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            return SpecError(
                "bad [tool.vlmspec]", f"`{key}` must be a non-empty string", str(pyproject)
            )
        values[key] = value
    source = table.get("source")
    if source is not None and (not isinstance(source, str) or not source):
        return SpecError(
            "bad [tool.vlmspec]", "`source` must be a non-empty string", str(pyproject)
        )
    service = table.get("service")
    if service is not None and not (isinstance(service, str) and service.isidentifier()):
        detail = f"`service` {service!r} is not a Python class name"
        return SpecError("bad [tool.vlmspec]", detail, str(pyproject))
    if not values["package"].replace(".", "_").isidentifier():
        detail = f"`package` {values['package']!r} is not an importable module name"
        return SpecError("bad [tool.vlmspec]", detail, str(pyproject))
    return Project(
        root=root,
        pyproject=pyproject,
        upstream=root / values["upstream"],
        overlays_dir=root / values["overlays"],
        bundle=root / values["bundle"],
        output=root / values["output"],
        package=values["package"],
        source=source,
        service=service,
    )


def installed_bundle() -> Path:
    """The bundled spec shipped inside the installed package (wheel), or this checkout's."""
    packaged = Path(__file__).parent / "_data" / "openapi.yaml"  # force-included by the wheel
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"


def spec_for_testing(start: Path | None = None) -> Path | SpecError:
    """The spec a conformance run judges by: the project's bundle, else the installed one."""
    project = find_project(start)
    if isinstance(project, SpecError):
        return project
    if project is not None and project.bundle.is_file():
        return project.bundle
    fallback = installed_bundle()
    if fallback.is_file():
        return fallback
    return SpecError("no bundled spec", "run `vlmspec spec bundle` first", str(fallback))
