"""The intermediate model and the rendered sources: facts, determinism, lint/type cleanliness."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests._stub_package import BUNDLE, CHAT, ROOT
from vlmspec import codegen

OPENAI = Path(__file__).resolve().parents[2] / "shared" / "specs" / "openai-openapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded = codegen.load_spec(BUNDLE)
    assert not isinstance(loaded, codegen.SpecError)
    return loaded


def test_ir_of_the_bundle(document: dict[str, Any]) -> None:
    ir = codegen.build_ir(document, service_name="ChatCompletionsService")
    assert ir.service_name == "ChatCompletionsService"
    assert codegen.build_ir(document).service_name == "VlmRunUnifiedServerService"  # info.title
    assert ir.validation_item == "ValidationError"
    assert ir.skipped == ()
    chat, health = ir.operations
    assert (chat.name, chat.method, chat.path) == ("chat_completions", "POST", CHAT)
    assert (health.name, health.method, health.path) == ("health", "GET", "/v1/health")
    assert chat.body is not None and chat.body.type.model == "AgentChatCompletionsRequest"
    assert (chat.body.required, chat.body.stream_flag) == (True, "stream")
    assert chat.body.max_bytes == document["paths"][CHAT]["post"]["requestBody"]["x-max-body-bytes"]
    assert (chat.json_status, chat.json_type and chat.json_type.model) == (201, "ChatCompletion")
    assert chat.stream is not None
    assert (chat.stream.status, chat.stream.terminator) == (201, "[DONE]")
    assert chat.stream.chunk.model == "ChatCompletionChunk"
    assert [s for s, _ in chat.errors] == [401, 408, 413, 422, 429, 431]
    assert {p.name: (p.location, p.required) for p in chat.params} == {
        "user-agent": ("header", False),
        "x-browser-id": ("header", False),
    }
    assert ("max_length", "256") in chat.params[1].constraints
    assert not chat.bearer_required  # `security: [HTTPBearer, {}]`: guests too
    assert (health.json_status, health.body, health.stream) == (200, None, None)


def test_rendering_is_deterministic(document: dict[str, Any]) -> None:
    first = codegen.build_ir(document)
    again = codegen.build_ir(copy.deepcopy(document))
    assert codegen.render_server(first) == codegen.render_server(again)
    assert codegen.render_client(first) == codegen.render_client(again)


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ruff", *args, "--config", str(ROOT / "pyproject.toml")]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _write_package(out: Path, document: dict[str, Any], models: str) -> Path:
    ir = codegen.build_ir(document)
    package = out / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(models)
    (package / "server.py").write_text(codegen.render_server(ir))
    (package / "client.py").write_text(codegen.render_client(ir))
    return package


def _fix_imports(*sources: str) -> None:
    """What render_package does first: the renderers import every typing candidate and leave
    the unused ones to ruff's F401 fix (cheaper than parsing a draft)."""
    fixed = _ruff("check", "--fix-only", "--select", "I,F401", *sources)
    assert fixed.returncode == 0, fixed.stderr


def test_bundle_sources_pass_ruff_and_mypy_strict(document: dict[str, Any], tmp_path: Path) -> None:
    models = codegen.render_models(document, "bundle")
    assert isinstance(models, str)
    package = _write_package(tmp_path, document, models)
    sources = [str(package / "server.py"), str(package / "client.py")]
    _fix_imports(*sources)
    formatted = _ruff("format", str(package))
    assert formatted.returncode == 0, formatted.stderr
    checked = _ruff("check", *sources)
    assert checked.returncode == 0, checked.stdout
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    command += ["--config-file", str(ROOT / "pyproject.toml"), str(package)]
    typed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert typed.returncode == 0, typed.stdout


@pytest.mark.skipif(not OPENAI.is_file(), reason="OpenAI's spec is not on this machine")
def test_openai_spec_renders_lint_clean_and_lists_what_it_skips(tmp_path: Path) -> None:
    document = yaml.safe_load(OPENAI.read_text(encoding="utf-8"))
    ir = codegen.build_ir(document)
    assert len(ir.operations) > 200
    assert {s.reason.split(" is ")[0] for s in ir.skipped} <= {
        "request body media type multipart/form-data",
        "request body media type application/sdp, multipart/form-data",
    }
    names = [op.name for op in ir.operations]
    assert len(names) == len(set(names)) and all(n.isidentifier() for n in names)
    # Models come from a stand-in: rendering OpenAI's with datamodel-codegen takes minutes.
    package = _write_package(tmp_path, document, _ANY_MODEL)
    server = (package / "server.py").read_text()
    for skipped in ir.skipped:
        assert f"{skipped.method} {skipped.path}:" in server
    _fix_imports(str(package / "server.py"), str(package / "client.py"))
    assert _ruff("format", str(package)).returncode == 0
    checked = _ruff("check", str(package / "server.py"), str(package / "client.py"))
    assert checked.returncode == 0, checked.stdout
    probe = (
        "import pkg.server, pkg.client;"
        "app = pkg.server.create_app(object());"
        "pkg.client.Client('http://x').close()"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


# Any name imported from it is a permissive model (PEP 562 module __getattr__).
_ANY_MODEL = """
import pydantic


class _Any(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")


def __getattr__(name: str) -> type[_Any]:
    if name.startswith("__"):
        raise AttributeError(name)
    return type(name, (_Any,), {})
"""
