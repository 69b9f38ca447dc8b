"""Bad input to `vlmspec generate`: exit 2, one line naming file and location, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_generate_cli import make_project

UNRESOLVABLE = "$ref: '#/components/schemas/Colour'"
BAD_OVERLAY = """\
overlay: 1.0.0
info: {title: Stale, version: 1.0.0}
actions:
- target: $.components.schemas.Gone
  update: {description: x}
"""


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "spec/upstream.yaml" not in p.as_posix()
    }


def vlmspec(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vlmspec", *args], cwd=root, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def generated_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("bad-input"))
    done = vlmspec(project, "generate")
    assert done.returncode == 0, done.stderr
    return project


# (case, how the upstream text changes, text the error line must contain)
UPSTREAM_CASES = [
    ("malformed YAML", lambda t: t.replace("paths:", "paths: [", 1), "upstream.yaml:"),
    ("not OpenAPI", lambda t: "swagger: '2.0'\ninfo: {}\n", "not an OpenAPI 3.x document"),
    ("fails validation", lambda t: t.replace("'201':", "'999':", 1), "invalid OpenAPI document"),
    (
        "unresolvable $ref",
        lambda t: t.replace(UNRESOLVABLE, "$ref: '#/components/schemas/Nope'"),
        "unresolvable $ref: #/components/schemas/Nope",
    ),
    ("empty file", lambda t: "", "not a mapping"),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=case) for case, change, expected in UPSTREAM_CASES],
)
def test_bad_upstream(generated_project: Path, change: object, expected: str) -> None:
    upstream = generated_project / "spec" / "upstream.yaml"
    original = upstream.read_text("utf-8")
    before = snapshot(generated_project)
    try:
        upstream.write_text(change(original), encoding="utf-8")  # type: ignore[operator]
        done = vlmspec(generated_project, "generate")
    finally:
        upstream.write_text(original, encoding="utf-8")
    assert_one_line_error(done, expected)
    assert "spec/upstream.yaml" in done.stderr
    assert snapshot(generated_project) == before


def test_overlay_target_matching_nothing(generated_project: Path) -> None:
    overlay = generated_project / "spec" / "overlays" / "020-stale.yaml"
    before = snapshot(generated_project)
    overlay.write_text(BAD_OVERLAY, encoding="utf-8")
    try:
        done = vlmspec(generated_project, "generate")
    finally:
        overlay.unlink()
    assert_one_line_error(
        done, "020-stale.yaml:$.actions[0].target: overlay target matches nothing"
    )
    assert snapshot(generated_project) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openapi: 3.1.0\ninfo: [\n", "bad.yaml:"),
        ("just: a mapping\n", "not an OpenAPI 3.x document"),
        ("- a list\n", "not a mapping"),
        ('{"openapi": "3.1.0", "info": {"title": "\\ud83d", "version": "1"}}', "surrogate"),
        (  # a property named like a data keyword is still a schema: its $ref must resolve
            "openapi: 3.1.0\ninfo: {title: R, version: '1'}\npaths: {}\ncomponents:\n"
            "  schemas:\n    A: {properties: {x-id: {$ref: '#/components/schemas/Gone'}}}\n",
            "unresolvable $ref",
        ),
    ],
)
def test_bad_spec_option(generated_project: Path, text: str, expected: str) -> None:
    spec = generated_project.parent / "bad.yaml"
    spec.write_text(text, encoding="utf-8")
    before = snapshot(generated_project)
    done = vlmspec(generated_project, "generate", "--spec", str(spec), "--force")
    assert_one_line_error(done, expected)
    assert snapshot(generated_project) == before


def test_missing_spec_file(generated_project: Path) -> None:
    done = vlmspec(generated_project, "generate", "--spec", "no/such.yaml", "--force")
    assert_one_line_error(done, "no/such.yaml: cannot read file")


def test_check_reports_bad_input_as_exit_2(generated_project: Path) -> None:
    upstream = generated_project / "spec" / "upstream.yaml"
    original = upstream.read_text("utf-8")
    try:
        upstream.write_text("openapi: [", encoding="utf-8")
        done = vlmspec(generated_project, "check")
    finally:
        upstream.write_text(original, encoding="utf-8")
    assert_one_line_error(done, "malformed YAML")


def assert_one_line_error(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("vlmspec: error: "), lines[0]
    assert expected in lines[0], lines[0]
    assert "Traceback" not in done.stderr


def test_unwritable_output(generated_project: Path) -> None:
    blocker = generated_project.parent / "a-file"
    blocker.write_text("", encoding="utf-8")
    spec = generated_project / "spec" / "openapi.yaml"
    done = vlmspec(generated_project, "generate", "--spec", str(spec), "--out", str(blocker / "x"))
    assert_one_line_error(done, "cannot write")


def test_spec_without_out_refuses_to_replace_the_project_package(generated_project: Path) -> None:
    """`generate --spec X` inside a project, no --out: exit 2 naming --out and --force (issue 9)."""
    before = snapshot(generated_project)
    spec = generated_project / "spec" / "upstream.yaml"
    done = vlmspec(generated_project, "generate", "--spec", str(spec))
    assert_one_line_error(done, "pass another --out DIR, or --force")
    # naming the project's package as --out is the same replacement
    done = vlmspec(generated_project, "generate", "--spec", str(spec), "--out", "./demo_api/")
    assert_one_line_error(done, "refusing to replace demo_api")
    assert snapshot(generated_project) == before


def test_spec_outside_a_project_needs_out(tmp_path: Path) -> None:
    spec = Path(__file__).resolve().parent / "corpus" / "tools-discriminated.yaml"
    done = vlmspec(tmp_path, "generate", "--spec", str(spec))
    assert_one_line_error(done, "no vlmspec project here to write into; pass --out DIR")


def test_spec_over_the_size_limit(generated_project: Path, tmp_path: Path) -> None:
    spec = tmp_path / "huge.yaml"
    spec.write_text("openapi: 3.0.0\n" + "#" * (2 << 20), encoding="utf-8")
    done = vlmspec(
        generated_project, "generate", "--spec", str(spec), "--out", "x", "--max-mb", "1"
    )
    assert_one_line_error(done, "over the 1 MiB limit; raise --max-mb")


def test_generation_time_is_bounded(generated_project: Path, tmp_path: Path) -> None:
    spec = generated_project / "spec" / "upstream.yaml"
    done = vlmspec(
        generated_project, "generate", "--spec", str(spec), "--out", "x", "--timeout", "0.01"
    )
    assert_one_line_error(done, "raise --timeout")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param(
            "openapi: 3.0.3\ninfo: {title: M, version: '1'}\npaths: {}\ncomponents:\n"
            "  schemas:\n    Base: &b {type: object, properties: {id: {type: integer}}}\n"
            "    Derived:\n      <<: *b\n      description: d\n",
            "Derived",
            id="yaml merge key",
        ),
        pytest.param(
            "openapi: 3.0.3\ninfo: {title: C, version: '1'}\npaths: {}\ncomponents:\n"
            "  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
            "    B: {$ref: '#/components/schemas/A'}\n",
            "A",
            id="circular ref",
        ),
        pytest.param(
            # json.dumps's default: every emoji becomes a surrogate-pair escape (libyaml refuses)
            '{"openapi": "3.1.0", "info": {"title": "Emoji \\ud83d\\udc4d", "version": "1"},'
            ' "paths": {}, "components": {"schemas": {"Thumb": {"type": "object",'
            ' "description": "\\ud83d\\udc4d"}}}}',
            "Thumb",
            id="json with surrogate-pair escapes",
        ),
        pytest.param(
            # `$ref` inside vendor extensions, examples and defaults is data, not a reference
            "openapi: 3.1.0\ninfo: {title: R, version: '1'}\npaths: {}\n"
            "x-topics: [{content: {$ref: ./docs/getting-started.md}}]\ncomponents:\n"
            "  examples:\n    E: {value: {$ref: 'https://json-schema.org/x'}}\n"
            "  schemas:\n    Doc:\n      type: object\n"
            "      example: {$ref: 'https://json-schema.org/draft/2020-12/schema'}\n"
            "      default: {$ref: nowhere}\n"
            "      properties: {example: {$ref: '#/components/schemas/Name'}}\n"
            "    Name: {type: string}\n",
            "Doc",
            id="ref-shaped data",
        ),
    ],
)
def test_awkward_documents_generate(tmp_path: Path, text: str, name: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    done = vlmspec(tmp_path, "generate", "--spec", str(spec), "--out", str(tmp_path / "pkg"))
    assert done.returncode == 0, done.stderr
    assert f"class {name}(" in (tmp_path / "pkg" / "models.py").read_text("utf-8")


def test_hand_written_files_in_out_are_not_overwritten(tmp_path: Path) -> None:
    """`--out DIR` holding code vlmspec did not write: exit 2 and the file kept; --force
    replaces it; files vlmspec wrote are replaced without asking."""
    spec = Path(__file__).resolve().parent / "corpus" / "tools-discriminated.yaml"
    out = tmp_path / "out"
    out.mkdir()
    (out / "models.py").write_text("# my hand-written code\n")
    args = ["generate", "--spec", str(spec), "--out", str(out)]
    refused = subprocess.run(
        [sys.executable, "-m", "vlmspec", *args], cwd=tmp_path, capture_output=True, text=True
    )
    assert refused.returncode == 2, refused.stderr
    assert "refusing to overwrite" in refused.stderr and "--force" in refused.stderr
    assert (out / "models.py").read_text() == "# my hand-written code\n"
    assert not (out / "server.py").exists()  # nothing half-written
    forced = subprocess.run(
        [sys.executable, "-m", "vlmspec", *args, "--force"], cwd=tmp_path, capture_output=True
    )
    assert forced.returncode == 0
    again = subprocess.run([sys.executable, "-m", "vlmspec", *args], cwd=tmp_path)
    assert again.returncode == 0


def test_a_validator_finding_is_one_short_warning(tmp_path: Path) -> None:
    """openapi-spec-validator quotes the whole offending schema: the warning keeps its head and
    its reason, not kilobytes between them."""
    schema = {
        "type": "object",
        "description": "x" * 4000,
        "properties": {"n": {"type": "integer", "exclusiveMinimum": 0}},  # 3.1's spelling
    }
    document = {"openapi": "3.0.3", "info": {"title": "W", "version": "1"}, "paths": {}}
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**document, "components": {"schemas": {"P": schema}}}))
    done = vlmspec(tmp_path, "generate", "--spec", str(spec), "--out", str(tmp_path / "pkg"))
    assert done.returncode == 0, done.stderr
    warning = next(line for line in done.stderr.splitlines() if "warning" in line)
    assert len(warning) < 500 and warning.endswith("(generating anyway)"), warning


def test_a_one_of_merged_into_one_type_still_imports(tmp_path: Path) -> None:
    """ReadMe's polymorphism example: a oneOf whose branches the generator merges into one type
    gets no validator, and its emptied Field() must not leave `Annotated[T,]` (a SyntaxError)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: P, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    Event:\n      type: object\n      properties:\n        event:\n"
        "          type: string\n"
        "          oneOf: [{title: A, type: string}, {title: B, type: string}]\n",
        encoding="utf-8",
    )
    done = vlmspec(tmp_path, "generate", "--spec", str(spec), "--out", str(tmp_path / "pkg"))
    assert done.returncode == 0, done.stderr
    imported = subprocess.run(
        [sys.executable, "-c", "import pkg.models"], cwd=tmp_path, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr[-2000:]
