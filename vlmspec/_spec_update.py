"""`vlmspec spec update`: the plan (fetched upstream, diff, overlay drift, rendered files) and
its two renderings, text for the terminal and Markdown for a pull request's body.

Everything is computed in memory; `write_plan` is the only function that touches the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vlmspec.codegen import (
    Change,
    Document,
    Drift,
    Fetched,
    Overlay,
    Project,
    SpecError,
    build_bundle,
    diff_documents,
    load_for_diff,
    load_overlay,
    overlay_drift,
    render_changes,
    render_package,
    write_all_atomic,
    write_bytes_atomic,
)

__all__ = ["UpdatePlan", "plan_update", "render_markdown", "render_text", "write_plan"]

# GitHub refuses a pull-request body over 65,536 characters.
MAX_REPORT_CHARS = 60_000

_DRIFT_TITLES = {
    "vanished": "target matches nothing",
    "moved": "target matches differently",
    "unfit": "update no longer fits its target",
    "overrides": "overrides what upstream now says",
    "redundant": "redundant: upstream already says it",
}


def display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class UpdatePlan:
    """What `spec update` found and would write."""

    project: Project
    fetched: Fetched
    old_content: bytes | None
    old_document: Document | None
    changes: list[Change] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    overlay_actions: int = 0
    problem: SpecError | None = None
    """Why the bundle and generated code could not be rebuilt (the upstream is still updated)."""
    files: dict[Path, str] = field(default_factory=dict)
    """Every rendered file (bundle + generated code), changed or not."""
    changed: list[Path] = field(default_factory=list)
    """The rendered files whose content differs from what is on disk."""

    @property
    def upstream_changed(self) -> bool:
        return self.old_content != self.fetched.content

    @property
    def any_change(self) -> bool:
        return self.upstream_changed or bool(self.changed)

    @property
    def breaking(self) -> bool:
        return any(change.severity == "breaking" for change in self.changes)

    @property
    def needs_attention(self) -> bool:
        """Something a maintainer must fix by hand before the update can be merged."""
        return self.problem is not None or any(
            d.kind in ("vanished", "moved", "unfit") for d in self.drift
        )

    def name(self, path: Path) -> str:
        return display(path, self.project.root)


def _version(document: Document | None) -> str:
    info = document.get("info") if document is not None else None
    version = info.get("version") if isinstance(info, dict) else None
    return str(version) if version is not None else "?"


def _load_overlays(project: Project) -> list[Overlay] | SpecError:
    overlays: list[Overlay] = []
    for path in project.overlays:
        overlay = load_overlay(path)
        if isinstance(overlay, SpecError):
            return overlay
        overlays.append(Overlay(display(path, project.root), overlay.title, overlay.actions))
    return overlays


def _relative(problem: SpecError, root: Path) -> SpecError:
    """The error naming its file from the project root: a pull request shows no runner paths."""
    if not problem.path or not Path(problem.path).is_absolute():
        return problem
    path = display(Path(problem.path), root)
    return SpecError(problem.header, problem.detail, path, problem.location)


def plan_update(project: Project, fetched: Fetched) -> UpdatePlan | SpecError:
    """Everything `spec update` would do, computed without writing a byte.

    A SpecError means the project itself is broken (an unreadable overlay, or a bundle that
    fails although upstream did not change): that is exit 2, as for `vlmspec generate`.
    """
    try:
        old_content: bytes | None = project.upstream.read_bytes()
    except OSError:
        old_content = None
    old_document: Document | None = None
    if old_content is not None:
        loaded = load_for_diff(project.upstream)
        old_document = loaded if not isinstance(loaded, SpecError) else None
    plan = UpdatePlan(project, fetched, old_content, old_document)
    if old_document is not None and plan.upstream_changed:
        plan.changes = diff_documents(old_document, fetched.document)
    overlays = _load_overlays(project)
    if isinstance(overlays, SpecError):
        return overlays
    plan.overlay_actions = sum(len(overlay.actions) for overlay in overlays)
    plan.drift = overlay_drift(old_document, fetched.document, overlays)

    bundle = build_bundle(
        project.upstream, project.overlays, project.root, upstream_document=fetched.document
    )
    if isinstance(bundle, SpecError):
        if not plan.upstream_changed:
            return bundle
        plan.problem = _relative(bundle, project.root)
        return plan
    # Render exactly as `vlmspec generate` does for the project's output, so both commands
    # always write the same files.
    rendered = render_package(
        bundle.document,
        source=plan.name(project.bundle),
        sha256=bundle.sha256,
        out=project.output,
        package=project.package,
        service_name=project.service,
    )
    if isinstance(rendered, SpecError):
        if not plan.upstream_changed:
            return rendered
        plan.problem = _relative(rendered, project.root)
        return plan
    plan.files = {project.bundle: bundle.text, **rendered}
    for path, text in sorted(plan.files.items()):
        try:
            current: str | None = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            plan.changed.append(path)
    return plan


def write_plan(plan: UpdatePlan) -> None:
    """Write the rendered files that changed, then the upstream file, each atomically.

    The upstream goes last: if anything fails before it, `vlmspec check` still names the
    mismatch and a rerun of `spec update` finishes the job.
    """
    write_all_atomic({path: plan.files[path] for path in plan.changed})
    if plan.upstream_changed:
        write_bytes_atomic(plan.project.upstream, plan.fetched.content)


def _sha(content: bytes | None) -> str:
    return hashlib.sha256(content).hexdigest()[:12] if content is not None else "none"


def _verdict(plan: UpdatePlan) -> str:
    if not plan.any_change:
        return "no change"
    if not plan.upstream_changed:
        return "upstream unchanged; generated files refreshed"
    if plan.old_document is None:
        kind = "first upstream file"
    elif plan.breaking:
        kind = "breaking"
    else:
        kind = "no breaking changes"
    return kind + ("; needs attention" if plan.needs_attention else "")


def _drift_lines(drift: Drift, indent: str) -> list[str]:
    already = " (already before this update)" if drift.already else ""
    lines = [
        f"{indent}{_DRIFT_TITLES[drift.kind]}{already}: {drift.action}",
        f"{indent}  target: {drift.target}",
        f"{indent}  {drift.detail}",
    ]
    if drift.nearest:
        lines.append(f"{indent}  nearest target now: {', '.join(drift.nearest)}")
    elif drift.kind == "vanished":
        lines.append(f"{indent}  nearest target now: none found")
    justification = drift.justification
    if len(justification) > 200:
        justification = justification[:197].rstrip() + "..."
    lines.append(f"{indent}  justification: {justification}")
    return lines


def render_text(plan: UpdatePlan, *, dry_run: bool) -> str:
    """What `spec update` prints: one block per concern."""
    upstream = plan.name(plan.project.upstream)
    lines = [f"spec update from {plan.fetched.location}: {_verdict(plan)}"]
    if plan.upstream_changed:
        lines.append(
            f"upstream: {upstream} changed (version {_version(plan.old_document)} → "
            f"{_version(plan.fetched.document)}; sha256 {_sha(plan.old_content)} → "
            f"{_sha(plan.fetched.content)}, {len(plan.fetched.content)} bytes)"
        )
        if plan.old_document is None:
            lines.append("api diff: no previous upstream to compare with")
        else:
            body = render_changes(plan.changes, "text", "before", "published").rstrip("\n")
            first, *rest = body.split("\n")
            lines.append(f"api diff: {first}")
            lines += [f"  {line}" if line else "" for line in rest]
    else:
        lines.append(f"upstream: {upstream} unchanged (sha256 {_sha(plan.old_content)})")
    attention = [d for d in plan.drift if not (d.kind == "redundant" and d.already)]
    if attention:
        lines.append(f"overlays: {len(attention)} finding(s) in {plan.overlay_actions} actions")
        for drift in attention:
            lines += _drift_lines(drift, "  ")
    else:
        lines.append(f"overlays: all {plan.overlay_actions} actions apply as before")
    if plan.problem is not None:
        lines.append(f"generated: not rebuilt: {plan.problem.one_line()}")
        lines.append("  fix the overlays named above, then run `vlmspec generate`")
    elif plan.changed:
        names = ", ".join(plan.name(path) for path in plan.changed)
        lines.append(f"generated: {len(plan.changed)} file(s) changed: {names}")
    else:
        lines.append("generated: up to date")
    if dry_run and plan.any_change:
        lines.append("dry run: nothing written")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _markdown_drift(drifts: Sequence[Drift]) -> list[str]:
    lines: list[str] = []
    for drift in drifts:
        already = " (already before this update)" if drift.already else ""
        icon = {"redundant": ":information_source:", "overrides": ":warning:"}.get(
            drift.kind, ":x:"
        )
        lines += [
            f"- {icon} **{_DRIFT_TITLES[drift.kind]}**{already}: {_code(drift.overlay)} "
            f"`actions[{drift.index}]`",
            f"  - target: {_code(drift.target)}",
            f"  - {_md(drift.detail)}",
        ]
        if drift.nearest:
            shown = ", ".join(_code(n) for n in drift.nearest)
            lines.append(f"  - nearest target now: {shown}")
        elif drift.kind == "vanished":
            lines.append("  - nearest target now: none found")
        lines.append(f"  - justification: {_md(drift.justification)}")
    return lines


def render_markdown(plan: UpdatePlan) -> str:
    """The change report: the body of the spec-update pull request."""
    upstream = plan.name(plan.project.upstream)
    lines = [
        "<!-- generated by `vlmspec spec update` -->",
        f"## Vendor spec update: **{_verdict(plan)}**",
        "",
        "| | before | after |",
        "|---|---|---|",
        f"| source | | {_code(plan.fetched.location)} |",
        f"| {_code(upstream)} version | {_code(_version(plan.old_document))} "
        f"| {_code(_version(plan.fetched.document))} |",
        f"| sha256 | `{_sha(plan.old_content)}` | `{_sha(plan.fetched.content)}` |",
        "",
    ]
    if not plan.upstream_changed:
        lines += ["The published file is byte for byte the one in this repository.", ""]
    elif plan.old_document is None:
        lines += ["No previous upstream file to compare with.", ""]
    else:
        body = render_changes(plan.changes, "markdown", "before", "published")
        lines += [body.rstrip("\n"), ""]
    lines.append("### Overlays")
    lines.append("")
    if plan.drift:
        lines += _markdown_drift(plan.drift)
    else:
        lines.append(f"All {plan.overlay_actions} overlay actions apply as before.")
    lines += ["", "### Generated files", ""]
    if plan.problem is not None:
        lines += [
            f"**Not rebuilt**: {_md(plan.problem.one_line())}",
            "",
            "Fix the overlays named above on this branch, then run `vlmspec generate` and push.",
        ]
    elif plan.changed:
        lines += [f"- {_code(plan.name(path))}" for path in plan.changed]
    else:
        lines.append("Up to date.")
    lines += [
        "",
        "### Review",
        "",
        "- Read the API diff: every **breaking** row changes what existing clients may send or "
        "receive.",
        "- For each overlay finding, move the action's `target` to the nearest target (or delete "
        "a redundant action) and check that its justification still holds.",
        "- Skim the generated diff: `models.py` follows the schemas, `client.py` and `server.py` "
        "the operations.",
        "- A breaking change is accepted by merging with the `breaking` label kept, and saying in "
        "the merge commit what clients must change.",
    ]
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_REPORT_CHARS:
        cut = text.rfind("\n", 0, MAX_REPORT_CHARS)
        note = "… report truncated; `vlmspec spec update --dry-run` prints all of it."
        text = text[:cut] + f"\n\n{note}\n"
    return text
