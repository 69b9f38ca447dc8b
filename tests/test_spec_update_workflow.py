"""The spec-update workflow's shell steps, run for real: a git repository with a local bare
`origin`, the local vendor, and a stub `gh` that records what it is asked to do.

GitHub runs each `run:` as `bash --noprofile --norc -eo pipefail`; so do these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_spec_update import TODAY, UPSTREAM, V002, Vendor, answer, make_project, vendor

__all__ = ["vendor"]  # the fixture, re-exported so pytest finds it here

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sys.executable).parent  # where `vlmspec` is installed next to this Python
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "spec-update.yml").read_text("utf-8"))
(JOB,) = WORKFLOW["jobs"].values()
STEPS: dict[str, dict[str, Any]] = {step["id"]: step for step in JOB["steps"] if "id" in step}
PR_STEP = next(
    step for step in JOB["steps"] if step.get("name") == "Open or update the pull request"
)

# A stub of the GitHub CLI: one open pull request at most, kept in files next to the log.
GH_STUB = r"""#!/usr/bin/env bash
set -euo pipefail
state="$GH_STUB_STATE"
echo "gh $*" >> "$state/log"
case "$1 $2" in
  "pr list") if [ -f "$state/pr" ]; then cat "$state/pr"; fi ;;
  "pr create") echo 7 > "$state/pr"; echo false > "$state/draft" ;;
  "pr view") cat "$state/draft" ;;
  "pr ready") if [ "${4:-}" = "--undo" ]; then echo true; else echo false; fi > "$state/draft" ;;
  "pr edit"|"label create") ;;
  *) echo "gh stub: unexpected $*" >&2; exit 9 ;;
esac
"""


# The runner's git has no user configuration; neither do these tests (no signing, no hooks).
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **GIT_ENV},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, vendor: Vendor) -> Path:
    if shutil.which("git") is None or not (SCRIPTS / "vlmspec").is_file():
        pytest.skip("needs git and the vlmspec console script on PATH")
    project = make_project(tmp_path / "repo", source=vendor.url())
    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    _git(project, "init", "--quiet", "--initial-branch=main")
    _git(project, "config", "user.name", "test")
    _git(project, "config", "user.email", "test@example.invalid")
    (project / ".gitignore").write_text(".ruff_cache/\n__pycache__/\n", encoding="utf-8")
    _git(project, "add", "-A")
    _git(project, "commit", "--quiet", "-m", "today")
    _git(project, "remote", "add", "origin", str(origin))
    _git(project, "push", "--quiet", "origin", "main")
    return project


def _step(
    step: dict[str, Any], repo: Path, tmp_path: Path, **env: str
) -> tuple[int, dict[str, str]]:
    """Run one step's script as the runner does; return its exit code and its outputs."""
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir(exist_ok=True)
    outputs = runner_temp / f"output-{step.get('id', 'pr')}"
    outputs.write_text("", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(GH_STUB, encoding="utf-8")
    (bin_dir / "gh").chmod(0o755)
    state = tmp_path / "gh"
    state.mkdir(exist_ok=True)
    full_env = {
        **os.environ,
        "PATH": os.pathsep.join([str(bin_dir), str(SCRIPTS), os.environ["PATH"]]),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "owner/repo",
        "GITHUB_RUN_ID": "1",
        "GH_STUB_STATE": str(state),
        **GIT_ENV,
        **{k: str(v) for k, v in WORKFLOW["env"].items()},
        **env,
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    pairs = (line.split("=", 1) for line in outputs.read_text("utf-8").splitlines() if line)
    return done.returncode, dict(pairs)


def _gh_log(tmp_path: Path) -> list[str]:
    log = tmp_path / "gh" / "log"
    return log.read_text("utf-8").splitlines() if log.is_file() else []


def test_no_change_stops_after_the_update(repo: Path, tmp_path: Path, vendor: Vendor) -> None:
    vendor.routes["/openapi.yaml"] = answer(TODAY)
    code, outputs = _step(STEPS["update"], repo, tmp_path, SOURCE="")
    assert code == 0 and outputs == {"changed": "false"}


def test_a_bad_answer_fails_the_job(repo: Path, tmp_path: Path, vendor: Vendor) -> None:
    vendor.routes["/openapi.yaml"] = answer(b"<html>maintenance</html>", content_type="text/html")
    code, outputs = _step(STEPS["update"], repo, tmp_path, SOURCE="")
    assert code == 2 and outputs == {}


def test_a_breaking_update_opens_one_labelled_pull_request_then_updates_it(
    repo: Path, tmp_path: Path, vendor: Vendor
) -> None:
    vendor.routes["/v002.yaml"] = answer(V002)  # going back to v002 drops accepted values
    code, outputs = _step(STEPS["update"], repo, tmp_path, SOURCE=vendor.url("/v002.yaml"))
    assert code == 0 and outputs == {"changed": "true"}
    assert (repo / UPSTREAM).read_bytes() == V002
    code, outputs = _step(STEPS["diff"], repo, tmp_path)
    assert code == 0 and outputs == {"breaking": "true"}

    gates = {"BASE": "main", "BREAKING": "true", "CHECK": "success", "CONFORM": "success"}
    code, _ = _step(PR_STEP, repo, tmp_path, **gates)
    assert code == 0
    log = _gh_log(tmp_path)
    assert any(
        line.startswith("gh pr create --head vlmspec/spec-update --base main") for line in log
    )
    assert "gh pr edit 7 --add-label breaking" in log
    assert not any("pr ready" in line for line in log)  # created ready, gates passed
    pushed = _git(repo, "ls-remote", "origin", "refs/heads/vlmspec/spec-update")
    assert pushed.strip()
    files = _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert UPSTREAM in files and "vlmspec/generated/models.py" in files
    body = (tmp_path / "runner" / "body.md").read_text("utf-8")
    assert body.startswith("<!-- generated by `vlmspec spec update` -->")
    assert "- `vlmspec check`: **success**" in body

    # The next day, same vendor file, a gate fails: the same pull request is edited (no second
    # one, no new commit) and turned back into a draft.
    _git(repo, "checkout", "--quiet", "main")
    _git(repo, "reset", "--quiet", "--hard", "origin/main")
    (tmp_path / "gh" / "log").unlink()
    code, outputs = _step(STEPS["update"], repo, tmp_path, SOURCE=vendor.url("/v002.yaml"))
    assert outputs == {"changed": "true"}
    gates["CONFORM"] = "failure"
    code, _ = _step(PR_STEP, repo, tmp_path, **gates)
    assert code == 0
    log = _gh_log(tmp_path)
    assert not any("pr create" in line for line in log)
    assert any(line.startswith("gh pr edit 7 --title") for line in log)
    assert "gh pr ready 7 --undo" in log
    assert (tmp_path / "gh" / "draft").read_text("utf-8").strip() == "true"
    branch = _git(repo, "rev-parse", "origin/vlmspec/spec-update").strip()
    _git(repo, "fetch", "--quiet", "origin")
    assert _git(repo, "rev-parse", "origin/vlmspec/spec-update").strip() == branch


def test_a_safe_update_carries_no_breaking_label(repo: Path, tmp_path: Path) -> None:
    # The diff step alone: today's file with one optional property more is safe.
    published = yaml.safe_load(TODAY)
    request = published["components"]["schemas"]["AgentChatCompletionsRequest"]
    request["properties"]["seed"] = {"type": "integer"}
    (repo / UPSTREAM).write_text(yaml.safe_dump(published, sort_keys=False), encoding="utf-8")
    code, outputs = _step(STEPS["diff"], repo, tmp_path)
    assert code == 0 and outputs == {"breaking": "false"}
    (tmp_path / "runner" / "report.md").write_text("## report\n", encoding="utf-8")
    code, _ = _step(
        PR_STEP, repo, tmp_path, BASE="main", BREAKING="false", CHECK="success", CONFORM="success"
    )
    assert code == 0
    log = _gh_log(tmp_path)
    assert "gh pr edit 7 --remove-label breaking" in log
    assert not any("--add-label" in line for line in log)


def test_a_maintainers_commits_on_the_branch_are_never_overwritten(
    repo: Path, tmp_path: Path, vendor: Vendor
) -> None:
    vendor.routes["/v002.yaml"] = answer(V002)
    gates = {"BASE": "main", "BREAKING": "true", "CHECK": "failure", "CONFORM": "success"}
    _step(STEPS["update"], repo, tmp_path, SOURCE=vendor.url("/v002.yaml"))
    code, _ = _step(PR_STEP, repo, tmp_path, **gates)
    assert code == 0 and "gh pr ready 7 --undo" in _gh_log(tmp_path)

    # A maintainer fixes the branch and pushes.
    _git(repo, "switch", "--quiet", "vlmspec/spec-update")
    (repo / "spec" / "overlays" / "070-fix.yaml").write_text("# a fix\n", encoding="utf-8")
    _git(repo, "add", "-A", "spec")
    _git(repo, "-c", "user.email=maintainer@example.invalid", "commit", "--quiet", "-m", "fix")
    _git(repo, "push", "--quiet", "origin", "vlmspec/spec-update")
    theirs = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "switch", "--quiet", "main")
    _git(repo, "reset", "--quiet", "--hard", "origin/main")
    (tmp_path / "gh" / "log").unlink()

    _step(STEPS["update"], repo, tmp_path, SOURCE=vendor.url("/v002.yaml"))
    code, _ = _step(PR_STEP, repo, tmp_path, **gates)
    assert code == 0
    _git(repo, "fetch", "--quiet", "origin")
    assert _git(repo, "rev-parse", "origin/vlmspec/spec-update").strip() == theirs
    body = (tmp_path / "runner" / "body.md").read_text("utf-8")
    assert "The branch holds commits by a maintainer, so this run did not overwrite it" in body
    log = _gh_log(tmp_path)
    assert any(line.startswith("gh pr edit 7 --title") for line in log)
    assert not any("pr ready" in line for line in log)  # the draft state is theirs now
