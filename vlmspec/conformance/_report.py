"""Reports of a run: JSON, Markdown (fits a GitHub step summary) and JUnit XML.

Every report states the three-valued verdict (or "error" when vlmspec itself failed), so no
report of an incomplete or broken run can read as green.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ._clauses import (
    FAIL,
    NO_TASK_IN_SHARD,
    NOT_APPLICABLE,
    NOT_JUDGED,
    PASS,
    SHARED_LEGEND,
    ClauseResult,
    Failure,
    reasons,
    requests_cell,
)
from ._runner import (
    CONFORMANT,
    ERROR,
    INCONCLUSIVE,
    KNOWN_FAILURES,
    NOT_CONFORMANT,
    RunResult,
)

__all__ = [
    "check_writable",
    "failure_groups",
    "merge_reports",
    "result_from_json",
    "to_json",
    "to_junit",
    "to_markdown",
    "verdict_of",
    "write_atomic",
]

_ICON = {
    PASS: "✅ pass",
    FAIL: "❌ fail",
    NOT_JUDGED: "❔ not judged",
    NOT_APPLICABLE: "⚪ n/a",
}
_HEADLINE = {
    CONFORMANT: "conformant",
    NOT_CONFORMANT: "NOT conformant",
    INCONCLUSIVE: "INCONCLUSIVE (not every clause was judged)",
    ERROR: "ERROR: vlmspec failed; this is no verdict",
    KNOWN_FAILURES: "no new failures (every failure is in the baseline)",
}
_MARKDOWN_LIMIT = 60_000
_MD_FAILURES = 10  # per clause in Markdown; the JSON keeps every signature


def failure_groups(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures with one root cause across clauses: the same request refused with the same
    answer (e.g. unknown fields rejected) fails several clauses; one group names them all."""
    groups: dict[str, dict[str, Any]] = {}
    for clause in clauses:
        for failure in clause.get("failures", []):
            # the same answer and the same normalised message (the signature without its
            # clause and check): e.g. loc never naming the field, for any field in any clause
            response = (failure.get("response") or "").split(":", 1)[0]
            message = str(failure.get("signature") or "").split(" · ", 2)[-1]
            key = f"{response} · {message or failure.get('message', '')[:120]}"
            group = groups.setdefault(key, {"cause": key, "clauses": [], "count": 0})
            if clause["id"] not in group["clauses"]:
                group["clauses"].append(clause["id"])
            group["count"] += int(failure.get("count", 1))
    return sorted(
        (g for g in groups.values() if len(g["clauses"]) > 1), key=lambda g: -int(g["count"])
    )


def verdict_of(result: RunResult) -> str:
    return result.verdict


def _data(result: RunResult) -> dict[str, Any]:
    clauses = [clause.as_dict() for clause in result.clauses]
    return {
        "verdict": result.verdict,
        "conformant": result.conformant,
        "complete": not (result.stopped or result.interrupted),
        "interrupted": result.interrupted,
        "base_url": result.base_url,
        "profile": result.profile,
        "seed": result.seed,
        "shard": list(result.shard),
        "requests": result.requests,
        "seconds": round(result.seconds, 3),
        "stopped": result.stopped,
        "internal_errors": result.internal_errors,
        **result.extra,
        "clauses": clauses,
        "failure_groups": failure_groups(clauses),
    }


def to_json(result: RunResult) -> str:
    return json.dumps(_data(result), indent=2, ensure_ascii=False) + "\n"


def _replay(result: RunResult) -> str:
    return (
        f"vlmspec conform --base-url {result.base_url} --profile {result.profile} "
        f"--seed {result.seed}"
    )


def _clause_notes(clause: Any) -> str:
    notes = list(clause.notes) + [f"not judged: {r}" for r in reasons(clause)[:3]]
    return "; ".join(notes).replace("|", "\\|")


def to_markdown(result: RunResult) -> str:
    lines = [
        f"## vlmspec conform: {_HEADLINE[result.verdict]}",
        "",
        f"Target `{result.base_url}` · profile `{result.profile}` · seed `{result.seed}` · "
        f"{result.requests} requests · {result.seconds:.1f}s wall time",
        "",
    ]
    if result.interrupted:
        lines += ["> interrupted (Ctrl-C): a partial report, not a verdict", ""]
    if result.stopped:
        lines += [f"> {result.stopped}: clauses it cut short are not judged", ""]
    for error in result.internal_errors:
        lines += [f"> internal error of vlmspec (not a verdict): {error}", ""]
    lines += [
        "| clause | verdict | judged | failed | not judged | requests | notes |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for clause in result.clauses:
        lines.append(
            f"| `{clause.id}` | {_ICON[clause.status]} | {clause.checks} | {clause.failed} | "
            f"{sum(clause.unjudged.values())} | {requests_cell(clause)} | {_clause_notes(clause)} |"
        )
    if any(requests_cell(clause) != str(clause.requests) for clause in result.clauses):
        lines += ["", f"<sub>{SHARED_LEGEND}</sub>"]
    lines += _baseline_md(result.extra.get("baseline"))
    groups = failure_groups([clause.as_dict() for clause in result.clauses])
    if groups:
        lines += ["", "### One cause, several clauses", ""]
        for group in groups:
            names = ", ".join(group["clauses"])
            lines.append(f"- {group['cause']} → {names} ({group['count']} times)")
    failing = [clause for clause in result.clauses if clause.failures]
    for clause in failing:
        lines += ["", f"### ❌ `{clause.id}`: {clause.title}", ""]
        if clause.contract:
            lines += [f"Contract: {clause.contract}", ""]
        for failure in clause.failures[:_MD_FAILURES]:
            lines += _failure_md(failure)
        more = len(clause.failures) - _MD_FAILURES
        if more > 0:
            lines += ["", f"…and {more} more distinct failures (all in report.json)"]
    if failing:
        lines += ["", f"Replay: `{_replay(result)}`"]
    text = "\n".join(lines) + "\n"
    if len(text) > _MARKDOWN_LIMIT:
        text = text[:_MARKDOWN_LIMIT] + "\n\n…(truncated; see the JSON report)\n"
    return text


def _baseline_md(baseline: Any) -> list[str]:
    if not isinstance(baseline, dict):
        return []
    lines = [
        "",
        f"Baseline: **{len(baseline['new'])} new**, {len(baseline['known'])} known, "
        f"{len(baseline['fixed'])} fixed, {len(baseline['unverified'])} unverified "
        "(clause not judged in this run)",
    ]
    for kind in ("new", "fixed"):
        lines += [f"- {kind}: `{signature}`" for signature in baseline[kind][:20]]
    return lines


def _failure_md(failure: Failure) -> list[str]:
    times = f" ({failure.count} times)" if failure.count > 1 else ""
    times += " (known, in the baseline)" if failure.known else ""
    where = " — only under concurrent requests" if failure.concurrent_only else ""
    lines = [f"- **{failure.message}**{times}{where} — {failure.case} · check `{failure.check}`"]
    if failure.contract:
        lines += [f"  (contract: {failure.contract})"]
    if failure.response:
        lines += ["", "  ```text", f"  {failure.response}", "  ```"]
    if failure.curl:
        lines += ["", "  ```sh", f"  {failure.curl}", "  ```"]
    return lines


def to_junit(result: RunResult) -> str:
    """One testcase per passing clause and per failure signature; not judged and n/a clauses
    are skipped with their reasons; an internal error is an <error>."""
    cases: list[ET.Element] = []
    for clause in result.clauses:
        if clause.status == FAIL:
            for failure in clause.failures:
                case = ET.Element(
                    "testcase", classname=f"conformance.{clause.id}", name=failure.signature
                )
                node = ET.SubElement(case, "failure", message=failure.message[:500])
                node.text = _failure_text(failure)
                cases.append(case)
            continue
        case = ET.Element("testcase", classname=f"conformance.{clause.id}", name=clause.id)
        if clause.status != PASS:
            why = "; ".join([*clause.notes, *reasons(clause)])[:500] or clause.status
            ET.SubElement(case, "skipped", message=f"{clause.status}: {why}")
        cases.append(case)
    if result.internal_errors or result.interrupted or result.stopped:
        case = ET.Element("testcase", classname="conformance", name="run")
        if result.internal_errors:
            node = ET.SubElement(case, "error", message="internal error of vlmspec")
            node.text = "\n".join(result.internal_errors)
        elif not result.conformant:
            reason = "interrupted (Ctrl-C)" if result.interrupted else result.stopped or ""
            ET.SubElement(case, "failure", message=f"run incomplete: {reason}")
        cases.append(case)
    suite = ET.Element(
        "testsuite",
        name="vlmspec-conform",
        tests=str(len(cases)),
        failures=str(sum(1 for c in cases if c.find("failure") is not None)),
        skipped=str(sum(1 for c in cases if c.find("skipped") is not None)),
        errors=str(sum(1 for c in cases if c.find("error") is not None)),
        time=f"{result.seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", result.verdict),
        ("base_url", result.base_url),
        ("profile", result.profile),
        ("seed", str(result.seed)),
        ("requests", str(result.requests)),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    suite.extend(cases)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _failure_text(failure: Failure) -> str:
    parts = [failure.message, f"{failure.case} · {failure.count} times"]
    if failure.response:
        parts.append(failure.response)
    if failure.curl:
        parts.append(failure.curl)
    return "\n".join(parts)


def _merged_status(clause: dict[str, Any], parts: list[dict[str, Any]]) -> str:
    # "no task in this shard" is not a scope decision: some other shard must judge the clause
    scoped = [
        part.get("status") == NOT_APPLICABLE
        and not any(str(n).startswith(NO_TASK_IN_SHARD) for n in part.get("notes", []))
        for part in parts
    ]
    if clause["failed"]:
        return FAIL
    if all(scoped):
        return NOT_APPLICABLE
    if any(part.get("incomplete") for part in parts):
        return NOT_JUDGED
    required = max(int(part.get("required", 1)) for part in parts)
    return PASS if clause["checks"] >= required else NOT_JUDGED


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge JSON reports of the shards of one run: a clause fails if any shard failed it,
    passes when the shards together judged enough of it, and is otherwise not judged."""
    merged: dict[str, dict[str, Any]] = {}
    parts: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        for clause in report["clauses"]:
            into = merged.setdefault(
                clause["id"],
                {
                    **clause,
                    "checks": 0,
                    "failed": 0,
                    "requests": 0,
                    "busy_seconds": 0.0,
                    "failures": [],
                    "notes": [],
                    "unjudged": {},
                },
            )
            parts.setdefault(clause["id"], []).append(clause)
            for key in ("checks", "failed", "requests", "busy_seconds"):
                into[key] += clause.get(key, 0)
            known = {f.get("signature") or f.get("message"): f for f in into["failures"]}
            for failure in clause.get("failures", []):
                key = failure.get("signature") or failure.get("message")
                if key in known:
                    known[key]["count"] = known[key].get("count", 1) + failure.get("count", 1)
                else:
                    into["failures"].append(dict(failure))
                    known[key] = into["failures"][-1]
            for reason, count in clause.get("unjudged", {}).items():
                into["unjudged"][reason] = into["unjudged"].get(reason, 0) + count
            into["notes"] += [
                n
                for n in clause.get("notes", [])
                if n not in into["notes"] and not n.startswith(("shard ", NO_TASK_IN_SHARD))
            ]
    for clause_id, clause in merged.items():
        clause["status"] = _merged_status(clause, parts[clause_id])
    clauses = list(merged.values())
    errors = [e for r in reports for e in r.get("internal_errors", [])]
    stopped = [r["stopped"] for r in reports if r.get("stopped")]
    total = max((int((r.get("shard") or [1, 1])[1]) for r in reports), default=1)
    present = {int((r.get("shard") or [1, 1])[0]) for r in reports}
    missing = sorted(set(range(1, total + 1)) - present)
    if missing:
        stopped.append(f"shards missing: {', '.join(f'{k}/{total}' for k in missing)}")
    interrupted = any(r.get("interrupted") for r in reports)
    if errors:
        verdict = ERROR
    elif any(c["status"] == FAIL for c in clauses):
        verdict = NOT_CONFORMANT
    elif stopped or interrupted or any(c["status"] == NOT_JUDGED for c in clauses):
        verdict = INCONCLUSIVE
    else:
        verdict = CONFORMANT
    return {
        "verdict": verdict,
        "conformant": verdict == CONFORMANT,
        "complete": not (stopped or interrupted),
        "interrupted": interrupted,
        "shards": len(reports),
        "requests": sum(r.get("requests", 0) for r in reports),
        "seconds": max((r.get("seconds", 0.0) for r in reports), default=0.0),
        "stopped": "; ".join(stopped) or None,
        "internal_errors": errors,
        "clauses": clauses,
        "failure_groups": failure_groups(clauses),
    }


def result_from_json(data: dict[str, Any]) -> RunResult:
    """A run (or a merge of shard runs) back from its JSON report, to render it again."""
    clauses = []
    for raw in data.get("clauses", []):
        fields = {k: v for k, v in raw.items() if k in ClauseResult.__dataclass_fields__}
        failures = [
            Failure(**{k: v for k, v in f.items() if k in Failure.__dataclass_fields__})
            for f in raw.get("failures", [])
        ]
        clauses.append(ClauseResult(**{**fields, "failures": failures}))
    shard = data.get("shard") or [1, 1]
    known = {"deterministic", "tasks", "target", "auth", "max_time", "baseline", "shards"}
    return RunResult(
        base_url=str(data.get("base_url", "")),
        profile=str(data.get("profile", "")),
        seed=int(data.get("seed", 0)),
        shard=(int(shard[0]), int(shard[1])),
        clauses=clauses,
        requests=int(data.get("requests", 0)),
        seconds=float(data.get("seconds", 0.0)),
        stopped=data.get("stopped"),
        extra={k: v for k, v in data.items() if k in known},
        internal_errors=list(data.get("internal_errors", [])),
        interrupted=bool(data.get("interrupted", False)),
    )


def check_writable(path: Path, *, directory: bool) -> str | None:
    """Why a report could not be written to ``path`` (None: it can), checked before the run so
    a long run never ends in a lost report. Permission bits say nothing to root or about
    /proc-like file systems, so a file is really created (and removed) where the report goes."""
    folder = path if directory else path.parent
    if not directory and path.is_dir():
        return f"{path} is a directory"
    missing = []
    probe = folder
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        return f"{probe} is not a directory"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".vlmspec-probe-"):
            pass
    except OSError as exc:
        return f"cannot write there ({exc.strerror or exc})"
    finally:
        for created in missing:  # deepest first: leave the tree as it was until the run ends
            with contextlib.suppress(OSError):
                created.rmdir()
    return None


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
