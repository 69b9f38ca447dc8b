"""The spec pipeline: loading, overlays, bundling and validation, as values and through the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vlmspec import codegen
from vlmspec.codegen import SpecError, apply_overlay, build_bundle, load_overlay

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT / "spec" / "upstream" / "vlmrun-chat-completions.openapi.yaml"
SEED = ROOT.parent / "shared" / "seeds" / "vlmrun-chat-completions.openapi.yaml"
OVERLAYS = sorted((ROOT / "spec" / "overlays").glob("*.yaml"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _project(tmp_path: Path) -> Path:
    """A copy of this project's spec/ with its own [tool.vlmspec] table."""
    shutil.copytree(ROOT / "spec", tmp_path / "spec")
    _write(
        tmp_path / "pyproject.toml",
        '[tool.vlmspec]\nupstream = "spec/upstream/vlmrun-chat-completions.openapi.yaml"\n',
    )
    return tmp_path


def _vlmspec(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vlmspec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_upstream_is_the_vendor_file_byte_for_byte() -> None:
    if not SEED.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    assert UPSTREAM.read_bytes() == SEED.read_bytes()


def test_committed_bundle_is_what_the_overlays_produce() -> None:
    bundle = build_bundle(UPSTREAM, OVERLAYS, ROOT)
    assert not isinstance(bundle, SpecError), bundle
    assert (ROOT / "spec" / "openapi.yaml").read_text(encoding="utf-8") == bundle.text


def test_every_overlay_action_is_justified() -> None:
    for path in OVERLAYS:
        overlay = load_overlay(path)
        assert not isinstance(overlay, SpecError), overlay
        for action in overlay.actions:
            assert len(action.description.split()) >= 5, (path.name, action.target)


def test_bundle_fixes_what_upstream_leaves_open() -> None:
    bundle = build_bundle(UPSTREAM, OVERLAYS, ROOT)
    assert not isinstance(bundle, SpecError)
    doc = bundle.document
    post = doc["paths"]["/v1/openai/chat/completions"]["post"]
    created = post["responses"]["201"]["content"]
    assert created["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatCompletion"}
    assert "text/event-stream" in created
    assert {"HTTPBearer": []} in post["security"] and {} in post["security"]
    assert {"401", "413", "422", "429"} <= set(post["responses"])
    assert "Retry-After" in post["responses"]["429"]["headers"]
    schemas = doc["components"]["schemas"]
    assert schemas["HTTPValidationError"]["required"] == ["detail"]
    n_int = schemas["AgentChatCompletionsRequest"]["properties"]["n"]["anyOf"][0]
    assert (n_int["minimum"], n_int["maximum"]) == (1, 128)
    assert "/v1/health" in doc["paths"]
    assert len(post["requestBody"]["content"]["application/json"]["examples"]) >= 10


def test_overlay_update_merges_and_appends() -> None:
    doc = {"a": {"b": 1, "c": {"d": 2}}, "items": [1]}
    overlay_path = Path("mem.yaml")
    overlay = codegen.Overlay(
        str(overlay_path),
        "t",
        (
            codegen._overlay.Action("$.a", "merge", {"c": {"e": 3}, "f": 4}, False, 0),
            codegen._overlay.Action("$.items", "append", 2, False, 1),
        ),
    )
    result = apply_overlay(doc, overlay)
    assert result == {"a": {"b": 1, "c": {"d": 2, "e": 3}, "f": 4}, "items": [1, 2]}
    assert doc == {"a": {"b": 1, "c": {"d": 2}}, "items": [1]}, "input must not be mutated"


def test_overlay_remove_handles_several_matches() -> None:
    doc = {"xs": [{"k": 1}, {"k": 2}, {"k": 3}]}
    overlay = codegen.Overlay(
        "mem.yaml", "t", (codegen._overlay.Action("$.xs[?@.k > 1]", "drop", None, True, 0),)
    )
    assert apply_overlay(doc, overlay) == {"xs": [{"k": 1}]}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "no-match",
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
            "  - target: $.nope\n    update: {x: 1}\n",
            "matches nothing",
        ),
        (
            "bad-path",
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
            "  - target: $.[\n    update: {x: 1}\n",
            "bad JSONPath",
        ),
        ("not-overlay", "openapi: 3.1.0\n", "not an Overlay"),
        (
            "no-update",
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n",
            "needs `update`",
        ),
    ],
)
def test_bad_overlay_is_a_located_error(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = _write(tmp_path / f"{name}.yaml", text)
    result = build_bundle(UPSTREAM, [path], tmp_path)
    assert isinstance(result, SpecError)
    line = result.one_line()
    assert str(path) in line and expected in line and "\n" not in line


def test_malformed_yaml_reports_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.yaml", "openapi: 3.1.0\npaths:\n  /x: [\n")
    result = codegen.load_document(path)
    assert isinstance(result, SpecError)
    assert result.location.count(":") == 1 and result.header == "malformed YAML"


def test_dates_stay_strings_and_duplicates_are_refused(tmp_path: Path) -> None:
    ok = codegen.load_document(_write(tmp_path / "d.yaml", "version: 2026-05-19\n"))
    assert ok == {"version": "2026-05-19"}
    dup = codegen.load_document(_write(tmp_path / "dup.yaml", "a: 1\na: 2\n"))
    assert isinstance(dup, SpecError) and "duplicate key" in dup.detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain strings come straight from their nodes; other scalars and tags as YAML says
        (
            "a: x\nb: 1\nc: null\nd: !!str 2\n'e': [y, 1.5]\n1: z\n",
            {"a": "x", "b": 1, "c": None, "d": "2", "e": ["y", 1.5], 1: "z"},
        ),
        ("b: &s {k: v}\nm:\n  <<: *s\n  j: w\n", {"b": {"k": "v"}, "m": {"k": "v", "j": "w"}}),
        ("m:\n  <<: {k: v}\n  k: own\n", {"m": {"k": "own"}}),  # explicit keys win over merged
        ("a: &x s\nb: *x\n", {"a": "s", "b": "s"}),
        ("a: 1\nb:\n  c: 1\n  c: 2\n", "duplicate key 'c'"),
        ("? [1]\n: x\n", "found unhashable key"),
    ],
)
def test_mapping_construction(tmp_path: Path, text: str, expected: object) -> None:
    loaded = codegen.load_document(_write(tmp_path / "m.yaml", text))
    if isinstance(expected, str):
        assert isinstance(loaded, SpecError) and expected in loaded.detail, loaded
        assert loaded.location.count(":") == 1
    else:
        assert loaded == expected


def test_unresolvable_ref_names_its_location(tmp_path: Path) -> None:
    text = UPSTREAM.read_text(encoding="utf-8").replace(
        "#/components/schemas/Function'", "#/components/schemas/Nope'", 1
    )
    result = codegen.load_spec(_write(tmp_path / "spec.yaml", text))
    assert isinstance(result, SpecError)
    assert result.header == "unresolvable $ref"
    assert result.location.startswith("#/components/schemas/")


def test_not_openapi_is_refused(tmp_path: Path) -> None:
    result = codegen.load_spec(_write(tmp_path / "x.yaml", "swagger: '2.0'\n"))
    assert isinstance(result, SpecError) and "OpenAPI 3" in result.header


def test_cli_bundle_and_validate_in_another_project(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "spec" / "openapi.yaml").unlink()
    done = _vlmspec(project, "spec", "bundle")
    assert done.returncode == 0, done.stderr
    assert (project / "spec" / "openapi.yaml").read_text() == (
        ROOT / "spec/openapi.yaml"
    ).read_text()
    assert _vlmspec(project / "spec", "spec", "validate").returncode == 0


def test_cli_bad_overlay_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = (project / "spec" / "openapi.yaml").read_bytes()
    _write(
        project / "spec" / "overlays" / "999-broken.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: $.paths['/nowhere']\n    update: {x: 1}\n",
    )
    done = _vlmspec(project, "spec", "bundle")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "999-broken.yaml" in lines[0] and "$.actions[0]" in lines[0]
    assert "Traceback" not in done.stderr
    assert (project / "spec" / "openapi.yaml").read_bytes() == before


def test_cli_outside_a_project_exits_2(tmp_path: Path) -> None:
    done = _vlmspec(tmp_path, "spec", "bundle")
    assert done.returncode == 2 and "no vlmspec project" in done.stderr
