"""Reports of a run: JSON, Markdown (fits a GitHub step summary) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ._clauses import Failure
from ._runner import RunResult

__all__ = ["merge_reports", "to_json", "to_junit", "to_markdown", "write_atomic"]

_ICON = {"pass": "✅ pass", "fail": "❌ fail", "skip": "⏭️ skip"}
_MARKDOWN_LIMIT = 60_000


def to_json(result: RunResult) -> str:
    data: dict[str, Any] = {
        "conformant": result.conformant,
        "base_url": result.base_url,
        "profile": result.profile,
        "seed": result.seed,
        "shard": list(result.shard),
        "requests": result.requests,
        "seconds": round(result.seconds, 3),
        "stopped": result.stopped,
        "internal_errors": result.internal_errors,
        **result.extra,
        "clauses": [clause.as_dict() for clause in result.clauses],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _replay(result: RunResult) -> str:
    return (
        f"vlmspec conform --base-url {result.base_url} --profile {result.profile} "
        f"--seed {result.seed}"
    )


def to_markdown(result: RunResult) -> str:
    verdict = "conformant" if result.conformant else "NOT conformant"
    lines = [
        f"## vlmspec conform: {verdict}",
        "",
        f"Target `{result.base_url}` · profile `{result.profile}` · seed `{result.seed}` · "
        f"{result.requests} requests · {result.seconds:.1f}s",
        "",
    ]
    if result.stopped:
        lines += [f"> {result.stopped}", ""]
    for error in result.internal_errors:
        lines += [f"> internal error of vlmspec (not a verdict): {error}", ""]
    lines += [
        "| clause | verdict | checks | requests | time | notes |",
        "|---|---|---:|---:|---:|---|",
    ]
    for clause in result.clauses:
        notes = "; ".join(clause.notes).replace("|", "\\|")
        lines.append(
            f"| `{clause.id}` | {_ICON[clause.status]} | {clause.checks} | "
            f"{clause.requests} | {clause.seconds:.1f}s | {notes} |"
        )
    failing = [clause for clause in result.clauses if clause.failures]
    for clause in failing:
        lines += ["", f"### ❌ `{clause.id}`: {clause.title}", ""]
        for failure in clause.failures:
            lines += _failure_md(failure)
    if failing:
        lines += ["", f"Replay: `{_replay(result)}`"]
    text = "\n".join(lines) + "\n"
    if len(text) > _MARKDOWN_LIMIT:
        text = text[:_MARKDOWN_LIMIT] + "\n\n…(truncated; see the JSON report)\n"
    return text


def _failure_md(failure: Failure) -> list[str]:
    lines = [f"- **{failure.message}** — {failure.case}"]
    if failure.response:
        lines += ["", "  ```text", f"  {failure.response}", "  ```"]
    if failure.curl:
        lines += ["", "  ```sh", f"  {failure.curl}", "  ```"]
    return lines


def to_junit(result: RunResult) -> str:
    failures = sum(1 for c in result.clauses if c.status == "fail")
    skipped = sum(1 for c in result.clauses if c.status == "skip")
    suite = ET.Element(
        "testsuite",
        name="vlmspec-conform",
        tests=str(len(result.clauses)),
        failures=str(failures),
        skipped=str(skipped),
        errors="0",
        time=f"{result.seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("base_url", result.base_url),
        ("profile", result.profile),
        ("seed", str(result.seed)),
        ("requests", str(result.requests)),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for clause in result.clauses:
        case = ET.SubElement(
            suite, "testcase", classname="conformance", name=clause.id, time=f"{clause.seconds:.3f}"
        )
        if clause.status == "fail":
            node = ET.SubElement(
                case,
                "failure",
                message=clause.failures[0].message[:500] if clause.failures else "failed",
            )
            node.text = "\n\n".join(_failure_text(f) for f in clause.failures)
        elif clause.status == "skip":
            ET.SubElement(case, "skipped", message="; ".join(clause.notes)[:500])
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _failure_text(failure: Failure) -> str:
    parts = [failure.message, failure.case]
    if failure.response:
        parts.append(failure.response)
    if failure.curl:
        parts.append(failure.curl)
    return "\n".join(parts)


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge JSON reports of the shards of one run: a clause fails if any shard failed it."""
    merged: dict[str, dict[str, Any]] = {}
    for report in reports:
        for clause in report["clauses"]:
            into = merged.setdefault(
                clause["id"],
                {
                    **clause,
                    "checks": 0,
                    "failed": 0,
                    "requests": 0,
                    "seconds": 0.0,
                    "failures": [],
                    "notes": [],
                },
            )
            for key in ("checks", "failed", "requests", "seconds"):
                into[key] += clause[key]
            into["failures"] += clause["failures"]
            into["notes"] += [n for n in clause["notes"] if n not in into["notes"]]
    for clause in merged.values():
        clause["status"] = "fail" if clause["failed"] else "pass" if clause["checks"] else "skip"
    clauses = list(merged.values())
    return {
        "conformant": all(c["status"] != "fail" for c in clauses),
        "requests": sum(r["requests"] for r in reports),
        "clauses": clauses,
    }


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
