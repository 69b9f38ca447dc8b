"""`vlmspec spec update` against a local server playing the vendor.

The vendor's real history (seed 001 → seed 002 → today's file) is replayed in a temporary copy
of this project; every bad answer (HTML, broken YAML, non-2xx, a timeout, an oversize body, a
redirect loop) must leave every file as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from vlmspec.cli import cli
from vlmspec.codegen import (
    SpecError,
    diff_documents,
    fetch_spec,
    find_project,
    load_for_diff,
    render_changes,
)
from vlmspec.codegen._fetch import redirect_target

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "diff"
UPSTREAM = "spec/upstream/vlmrun-chat-completions.openapi.yaml"
V001 = (FIXTURES / "v001.yaml").read_bytes()
V002 = (FIXTURES / "v002.yaml").read_bytes()
TODAY = (ROOT / UPSTREAM).read_bytes()
GENERATED = ["__init__.py", "client.py", "models.py", "server.py"]
TREE = ["spec/openapi.yaml", UPSTREAM, *(f"vlmspec/generated/{name}" for name in GENERATED)]


# --- the vendor ---------------------------------------------------------------------------------

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


def answer(
    body: bytes, status: int = 200, content_type: str = "application/yaml", **headers: str
) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        for name, value in headers.items():
            request.send_header(name.replace("_", "-"), value)
        if "Content_Length" not in headers:
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handle


@dataclass
class Vendor:
    """A loopback HTTP server whose routes a test sets; every wait in it is bounded."""

    routes: dict[str, Handler] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    hits: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str = "/openapi.yaml") -> str:
        return self.base + path

    def hang(self, request: http.server.BaseHTTPRequestHandler) -> None:
        """Accept the request, then say nothing until the test is over (at most 30 s)."""
        self.release.wait(30)

    def drip_forever(self, request: http.server.BaseHTTPRequestHandler) -> None:
        """A chunked body without Content-Length that never ends (until 64 MiB, or the client
        hangs up)."""
        request.send_response(200)
        request.send_header("Content-Type", "application/yaml")
        request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        chunk = b"# padding\n" * 6554
        try:
            for _ in range(1024):
                request.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            return


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    state = Vendor()

    class Handle(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30  # a client that stalls cannot hold a thread for longer

        def do_GET(self) -> None:
            state.hits.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                answer(b"<html><body>Not Found</body></html>", 404, "text/html")(self)
            else:
                route(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            # a client that hangs up early (as `spec update` does on a bad answer) is expected;
            # the default prints a traceback into the stderr the command's test reads
            pass

    server = Quiet(("127.0.0.1", 0), Handle)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


# --- the project --------------------------------------------------------------------------------


def make_project(root: Path, source: str | None = None, upstream: bytes | None = None) -> Path:
    """A copy of this project: pyproject.toml, spec/ and the generated package."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    marker = 'source = "https://docs.vlm.run/api-reference/openapi.json"'
    assert marker in text, "the default source moved: update this test"
    text = text.replace(marker, f'source = "{source}"' if source else "")
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "spec", root / "spec")
    shutil.copytree(
        ROOT / "vlmspec" / "generated",
        root / "vlmspec" / "generated",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    if upstream is not None:
        (root / UPSTREAM).write_bytes(upstream)
    return root


def hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and not path.relative_to(root).parts[0].startswith(".")  # ruff's cache
    }


def run(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def update(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    return run(root, monkeypatch, "spec", "update", *args)


# --- the vendor's real history ------------------------------------------------------------------


def vlmspec_diff(old: Path, new: Path) -> tuple[set[str], str, str]:
    """What `vlmspec diff OLD NEW` says: the breaking rules, and the first line of its text and
    Markdown reports, as `spec update` must repeat them."""
    documents = [load_for_diff(old), load_for_diff(new)]
    assert not isinstance(documents[0], SpecError) and not isinstance(documents[1], SpecError)
    changes = diff_documents(documents[0], documents[1])
    breaking = {c.rule for c in changes if c.severity == "breaking"}
    text = render_changes(changes, "text", "before", "published").splitlines()[0]
    markdown = render_changes(changes, "markdown", "before", "published").splitlines()[0]
    return breaking, text, markdown


def test_v001_then_v002_then_today(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url())
    report = tmp_path / "report.md"

    # Start where the vendor started: seed 001, from a file (--from FILE).
    first = update(project, monkeypatch, "--from", str(FIXTURES / "v001.yaml"))
    assert first.exit_code == 1, first.output
    assert (project / UPSTREAM).read_bytes() == V001
    assert run(project, monkeypatch, "check").exit_code == 0
    models = (project / "vlmspec/generated/models.py").read_text("utf-8")
    assert "toolsets" not in models

    # v001 → v002, from the configured source: three safe additions.
    vendor.routes["/openapi.yaml"] = answer(V002)
    second = update(project, monkeypatch, "--report", str(report))
    assert second.exit_code == 1, second.output
    assert vendor.hits == ["/openapi.yaml"]
    assert (project / UPSTREAM).read_bytes() == V002
    assert second.stdout.splitlines()[0] == (
        f"spec update from {vendor.url()}: no breaking changes"
    )
    breaking, text, heading = vlmspec_diff(FIXTURES / "v001.yaml", FIXTURES / "v002.yaml")
    assert breaking == set()
    assert f"api diff: {text}" in second.stdout
    for rule in ("request-enum-value-added", "request-property-added-optional"):
        assert rule in second.stdout
    actions = _overlay_action_count(project)
    assert f"overlays: all {actions} actions apply as before" in second.stdout
    assert "generated: 5 file(s) changed: spec/openapi.yaml, vlmspec/generated/" in second.stdout
    markdown = report.read_text("utf-8")
    assert "## Vendor spec update: **no breaking changes**" in markdown
    assert heading.startswith("### API diff: no breaking changes (0 breaking, ")
    assert heading in markdown
    assert "| safe | `request-property-added-optional` |" in markdown
    assert f"All {actions} overlay actions apply as before." in markdown
    assert "- `vlmspec/generated/models.py`" in markdown
    assert "toolsets" in (project / "vlmspec/generated/models.py").read_text("utf-8")
    assert run(project, monkeypatch, "check").exit_code == 0

    # v002 → today: dropping the `model` default breaks clients that omit it.
    vendor.routes["/openapi.yaml"] = answer(TODAY)
    third = update(project, monkeypatch, "--report", str(report))
    assert third.exit_code == 1, third.output
    assert third.stdout.splitlines()[0].endswith(": breaking")
    breaking, text, heading = vlmspec_diff(FIXTURES / "v002.yaml", ROOT / UPSTREAM)
    assert breaking == {"request-default-changed"}
    assert f"api diff: {text}" in third.stdout
    assert '$.model: default "vlmrun-orion-1:auto" removed  [request-default-changed]' in (
        third.stdout
    )
    markdown = report.read_text("utf-8")
    assert "## Vendor spec update: **breaking**" in markdown
    assert heading.startswith("### API diff: breaking (1 breaking, ") and heading in markdown
    assert "| **breaking** | `request-default-changed` |" in markdown
    # Today's file regenerates exactly the tree committed in this repository.
    for name in TREE:
        assert (project / name).read_bytes() == (ROOT / name).read_bytes(), name

    # The same file again: nothing to do, nothing written.
    before = hashes(project)
    fourth = update(project, monkeypatch, "--report", str(report))
    assert fourth.exit_code == 0, fourth.output
    assert fourth.stdout.splitlines()[0].endswith(": no change")
    assert "generated: up to date" in fourth.stdout
    assert hashes(project) == before
    assert "## Vendor spec update: **no change**" in report.read_text("utf-8")


def test_dry_run_prints_and_writes_only_the_report(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url(), upstream=V002)
    vendor.routes["/openapi.yaml"] = answer(V001)
    before = hashes(project)
    report = tmp_path / "report.md"
    result = update(project, monkeypatch, "--dry-run", "--report", str(report))
    assert result.exit_code == 1, result.output
    assert result.stdout.rstrip().endswith("dry run: nothing written")
    assert "request-enum-value-removed" in result.stdout  # v002 → v001 breaks
    assert hashes(project) == before
    assert "**breaking**" in report.read_text("utf-8")


def test_published_bytes_are_kept_exactly(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CRLF line ends, a trailing blank line, JSON instead of YAML, gzip on the wire: the
    upstream file is what the vendor published, byte for byte."""
    project = make_project(tmp_path / "p", source=vendor.url("/spec.json"))
    import json

    published = (json.dumps(yaml.safe_load(TODAY), indent=1) + "\n\n").replace("\n", "\r\n")
    body = published.encode("utf-8")
    vendor.routes["/spec.json"] = answer(
        gzip.compress(body), content_type="application/json", Content_Encoding="gzip"
    )
    result = update(project, monkeypatch)
    assert result.exit_code == 1, result.output
    assert (project / UPSTREAM).read_bytes() == body
    assert "api diff: before → published: no changes" in result.stdout
    # Same document, so the same bundle and code as committed.
    assert "generated: up to date" in result.stdout
    assert run(project, monkeypatch, "check").exit_code == 0


def test_redirects_are_followed_a_bounded_number_of_times(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url("/latest"), upstream=V001)
    vendor.routes["/latest"] = redirect("/v/2", 301)
    vendor.routes["/v/2"] = redirect(vendor.url("/files/v2.yaml"), 307)
    vendor.routes["/files/v2.yaml"] = answer(V002)
    result = update(project, monkeypatch)
    assert result.exit_code == 1, result.output
    assert vendor.hits == ["/latest", "/v/2", "/files/v2.yaml"]
    assert (project / UPSTREAM).read_bytes() == V002
    assert result.stdout.startswith(f"spec update from {vendor.url('/files/v2.yaml')}: ")
    # An error after a redirect names both ends.
    vendor.routes["/files/v2.yaml"] = answer(b"gone", 410, "text/plain")
    gone = update(project, monkeypatch)
    assert gone.exit_code == 2
    assert gone.stderr.strip() == (
        f"vlmspec: error: {vendor.url('/latest')}: cannot fetch the spec: HTTP 410 Gone "
        f"(redirected to {vendor.url('/files/v2.yaml')})"
    )


def test_redirect_policy() -> None:
    base = "https://docs.example.com/api/openapi.json"
    assert redirect_target(base, "v2.yaml") == "https://docs.example.com/api/v2.yaml"
    assert redirect_target(base, "https://cdn.example.net/x.yaml") == (
        "https://cdn.example.net/x.yaml"
    )
    assert redirect_target("http://a.example/x", "https://a.example/x") == "https://a.example/x"
    down = redirect_target(base, "http://docs.example.com/api/openapi.json")
    assert isinstance(down, SpecError) and "from https to http" in down.detail
    other = redirect_target(base, "ftp://docs.example.com/openapi.json")
    assert isinstance(other, SpecError) and "non-http" in other.detail
    missing = redirect_target(base, None)
    assert isinstance(missing, SpecError) and "without a Location" in missing.detail


def test_a_source_of_another_scheme_is_refused_not_read_as_a_path() -> None:
    from vlmspec.codegen import fetch_spec

    refused = fetch_spec("ftp://docs.example.com/openapi.yaml")
    assert isinstance(refused, SpecError) and "unsupported scheme ftp://" in refused.detail


# --- bad answers leave the tree untouched -------------------------------------------------------

HTML = b"<!DOCTYPE html>\n<html><head><title>Docs</title></head><body>Moved</body></html>\n"
BAD_ANSWERS: dict[str, tuple[Callable[[Vendor], Handler], tuple[str, ...], str]] = {
    # name: (route, extra CLI arguments, what the one error line says)
    "html-200": (lambda v: answer(HTML, content_type="text/html; charset=utf-8"), (), "HTML page"),
    "html-sniffed": (lambda v: answer(HTML, content_type="application/yaml"), (), "HTML page"),
    "broken-yaml": (lambda v: answer(b"openapi: 3.1.0\npaths: {\n  /x: [\n"), (), "malformed YAML"),
    "not-openapi": (
        lambda v: answer(b'{"error": "rate limited"}', content_type="application/json"),
        (),
        "not an OpenAPI 3.x document",
    ),
    "swagger-2": (lambda v: answer(b"swagger: '2.0'\npaths: {}\n"), (), "not an OpenAPI 3.x"),
    "a-list": (lambda v: answer(b"- openapi: 3.1.0\n"), (), "the top level is list"),
    "empty": (lambda v: answer(b""), (), "the answer is empty"),
    "latin-1": (lambda v: answer(b"openapi: 3.1.0\ninfo: {title: caf\xe9}\n"), (), "not UTF-8"),
    "dangling-ref": (
        lambda v: answer(
            b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
            b"components: {schemas: {A: {$ref: '#/components/schemas/B'}}}\n"
        ),
        (),
        "unresolvable $ref",
    ),
    "not-found": (
        lambda v: answer(HTML, 404, "text/html"),
        (),
        "cannot fetch the spec: HTTP 404 Not Found",
    ),
    "server-error": (lambda v: answer(b"oops", 503, "text/plain"), (), "HTTP 503"),
    "timeout": (lambda v: v.hang, ("--timeout", "0.5"), "no complete answer within 0.5 s"),
    "declared-oversize": (
        lambda v: answer(V002),
        ("--max-bytes", "1000"),
        "declares 17773 bytes, over the limit of 1000",
    ),
    "default-limit": (
        lambda v: answer(b"", Content_Length=str(21 * 1024 * 1024)),
        (),
        "over the limit of 20971520",
    ),
    "streamed-oversize": (
        lambda v: v.drip_forever,
        ("--max-bytes", "100000"),
        "the answer is over the limit of 100000 bytes",
    ),
    "redirect-loop": (lambda v: redirect("/openapi.yaml"), (), "more than 5 redirects"),
    "redirect-without-location": (lambda v: answer(b"", 302), (), "without a Location header"),
    "redirect-elsewhere": (lambda v: redirect("file:///etc/passwd"), (), "non-http URL"),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_a_bad_answer_leaves_the_tree_untouched(
    case: str, tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    route, args, message = BAD_ANSWERS[case]
    project = make_project(tmp_path / "p", source=vendor.url())
    vendor.routes["/openapi.yaml"] = route(vendor)
    report = tmp_path / "report.md"
    before = hashes(project)
    result = update(project, monkeypatch, "--report", str(report), *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("vlmspec: error: ") and message in line, line
    assert hashes(project) == before
    assert not report.exists()


def test_unreachable_and_missing_sources(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p")
    before = hashes(project)
    nothing = update(project, monkeypatch)
    assert nothing.exit_code == 2
    assert "no source to update from: pass --from URL|FILE or set `source`" in nothing.stderr
    # A closed port: connection refused, one line.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = update(project, monkeypatch, "--from", f"http://127.0.0.1:{port}/openapi.yaml")
    assert refused.exit_code == 2
    assert "ConnectError" in refused.stderr and len(refused.stderr.splitlines()) == 1
    missing = update(project, monkeypatch, "--from", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert hashes(project) == before


def test_source_key_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.vlmspec]\nsource = "vendor/openapi.yaml"\n')
    project = find_project(tmp_path)
    assert project is not None and not isinstance(project, SpecError)
    assert project.source == "vendor/openapi.yaml"
    (tmp_path / "pyproject.toml").write_text("[tool.vlmspec]\nsource = 3\n")
    bad = find_project(tmp_path)
    assert isinstance(bad, SpecError) and "`source` must be a non-empty string" in bad.detail
    (tmp_path / "pyproject.toml").write_text("[tool.vlmspec]\n")
    plain = find_project(tmp_path)
    assert plain is not None and not isinstance(plain, SpecError) and plain.source is None


def test_a_relative_file_source_is_relative_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source="vendor/openapi.yaml", upstream=V001)
    (project / "vendor").mkdir()
    (project / "vendor" / "openapi.yaml").write_bytes(V002)
    (project / "spec" / "sub").mkdir()
    result = update(project / "spec" / "sub", monkeypatch)
    assert result.exit_code == 1, result.output
    assert (project / UPSTREAM).read_bytes() == V002


def test_fetch_spec_returns_errors_as_values(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(V002)
    big = fetch_spec(str(tmp_path / "big.yaml"), max_bytes=100)
    assert isinstance(big, SpecError) and "over the limit of 100" in big.detail
    fetched = fetch_spec(str(FIXTURES / "v002.yaml"))
    assert not isinstance(fetched, SpecError)
    assert fetched.content == V002 and fetched.document["openapi"] == "3.1.0"
    assert fetched.sha256 == hashlib.sha256(V002).hexdigest()
    spaced = tmp_path / "a dir" / "v 2.yaml"
    spaced.parent.mkdir()
    spaced.write_bytes(V002)
    by_url = fetch_spec(spaced.as_uri())
    assert not isinstance(by_url, SpecError) and by_url.content == V002


# --- overlays against a changed upstream --------------------------------------------------------


def _edited_today(edit: Callable[[dict[str, Any]], None]) -> bytes:
    document = yaml.safe_load(TODAY)
    edit(document)
    return yaml.safe_dump(document, sort_keys=False).encode("utf-8")


def _rename_n(document: dict[str, Any]) -> None:
    properties = document["components"]["schemas"]["AgentChatCompletionsRequest"]["properties"]
    properties["num"] = properties.pop("n")


def test_an_overlay_whose_target_vanished_is_named_with_its_justification(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url())
    published = _edited_today(_rename_n)
    vendor.routes["/openapi.yaml"] = answer(published)
    before = hashes(project)
    report = tmp_path / "report.md"
    result = update(project, monkeypatch, "--report", str(report))
    assert result.exit_code == 1, result.output
    out = result.stdout
    # `num` is new and `n` gone, but the request object stays open: nothing breaks.
    assert out.splitlines()[0].endswith(": no breaking changes; needs attention")
    assert "target matches nothing: spec/overlays/040-limits.yaml actions[0]" in out
    assert "target: $.components.schemas.AgentChatCompletionsRequest.properties.n.anyOf[0]" in out
    assert (
        "nearest target now: $.components.schemas.AgentChatCompletionsRequest.properties.num"
        ".anyOf[0]" in out
    )
    assert 'justification: `n` ("Number of completions to generate") is an unbounded' in out
    assert (
        "generated: not rebuilt: spec/overlays/040-limits.yaml:$.actions[0].target: overlay "
        "target matches nothing" in out
    )
    # The vendor's file is taken; the bundle and the code stay as they were until the overlay
    # is fixed (`vlmspec check` then fails, which keeps the pull request from merging).
    after = hashes(project)
    assert (project / UPSTREAM).read_bytes() == published
    assert {k: v for k, v in after.items() if k != UPSTREAM} == {
        k: v for k, v in before.items() if k != UPSTREAM
    }
    markdown = report.read_text("utf-8")
    assert ":x: **target matches nothing**: `spec/overlays/040-limits.yaml` `actions[0]`" in (
        markdown
    )
    assert "`$.components.schemas.AgentChatCompletionsRequest.properties.num.anyOf[0]`" in markdown
    assert "**Not rebuilt**" in markdown
    # Fixing the overlay target is all it takes.
    overlay = project / "spec" / "overlays" / "040-limits.yaml"
    overlay.write_text(
        overlay.read_text("utf-8").replace("properties.n.anyOf[0]", "properties.num.anyOf[0]"),
        encoding="utf-8",
    )
    assert run(project, monkeypatch, "generate").exit_code == 0
    assert run(project, monkeypatch, "check").exit_code == 0


def test_an_overlay_that_upstream_now_makes_redundant_is_reported(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def vendor_fixes_its_422(document: dict[str, Any]) -> None:
        error = document["components"]["schemas"]["HTTPValidationError"]
        error["required"] = ["detail"]
        error["properties"]["detail"]["minItems"] = 1

    project = make_project(tmp_path / "p", source=vendor.url())
    vendor.routes["/openapi.yaml"] = answer(_edited_today(vendor_fixes_its_422))
    report = tmp_path / "report.md"
    result = update(project, monkeypatch, "--report", str(report))
    assert result.exit_code == 1, result.output
    out = result.stdout
    # A response that promises more (`detail` required, non-empty) breaks no client.
    assert out.splitlines()[0].endswith(": no breaking changes")
    assert f"overlays: 1 finding(s) in {_overlay_action_count(project)} actions" in out
    assert (
        "redundant: upstream already says it: spec/overlays/030-validation-error.yaml actions[0]"
        in out
    )
    assert "justification: Upstream HTTPValidationError requires nothing" in out
    # What the overlay added is now upstream's own word: the bundle says the same as before.
    assert "generated: up to date" in out
    assert ":information_source: **redundant: upstream already says it**" in (
        report.read_text("utf-8")
    )
    assert run(project, monkeypatch, "check").exit_code == 0


def test_an_unchanged_upstream_still_refreshes_stale_generated_code(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url())
    vendor.routes["/openapi.yaml"] = answer(TODAY)
    models = project / "vlmspec" / "generated" / "models.py"
    models.write_text(models.read_text("utf-8") + "# edited by hand\n", encoding="utf-8")
    result = update(project, monkeypatch)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0].endswith(": upstream unchanged; generated files refreshed")
    assert "generated: 1 file(s) changed: vlmspec/generated/models.py" in result.stdout
    assert models.read_bytes() == (ROOT / "vlmspec" / "generated" / "models.py").read_bytes()


def test_a_broken_overlay_with_an_unchanged_upstream_is_a_project_error(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url())
    vendor.routes["/openapi.yaml"] = answer(TODAY)
    overlay = project / "spec" / "overlays" / "040-limits.yaml"
    overlay.write_text(
        overlay.read_text("utf-8").replace("properties.n.anyOf[0]", "properties.nn.anyOf[0]"),
        encoding="utf-8",
    )
    before = hashes(project)
    result = update(project, monkeypatch)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "040-limits.yaml:$.actions[0].target: overlay target matches nothing" in line
    assert hashes(project) == before


def test_the_first_update_of_a_project_without_an_upstream_file(
    tmp_path: Path, vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "p", source=vendor.url())
    (project / UPSTREAM).unlink()
    vendor.routes["/openapi.yaml"] = answer(TODAY)
    report = tmp_path / "report.md"
    result = update(project, monkeypatch, "--report", str(report))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0].endswith(": first upstream file")
    assert "api diff: no previous upstream to compare with" in result.stdout
    assert "No previous upstream file to compare with." in report.read_text("utf-8")
    assert "generated: up to date" in result.stdout  # the committed code is today's already
    assert (project / UPSTREAM).read_bytes() == TODAY


def test_a_report_too_long_for_a_pull_request_body_is_cut_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vlmspec import _spec_update

    project_root = make_project(tmp_path / "p", upstream=V002)
    project = find_project(project_root)
    assert project is not None and not isinstance(project, SpecError)
    fetched = fetch_spec(str(FIXTURES / "v001.yaml"))
    assert not isinstance(fetched, SpecError)
    plan = _spec_update.plan_update(project, fetched)
    assert not isinstance(plan, SpecError)
    full = _spec_update.render_markdown(plan)
    assert len(full) < _spec_update.MAX_REPORT_CHARS  # GitHub's limit is 65,536
    monkeypatch.setattr(_spec_update, "MAX_REPORT_CHARS", 800)
    cut = _spec_update.render_markdown(plan)
    assert len(cut) < 900 and full.startswith(cut.rsplit("\n\n", 1)[0])
    assert cut.endswith("report truncated; `vlmspec spec update --dry-run` prints all of it.\n")


def _overlay_action_count(project: Path) -> int:
    """How many actions the project's overlays hold (each file's `actions` list)."""
    return sum(
        len(yaml.safe_load(path.read_text("utf-8"))["actions"])
        for path in sorted((project / "spec" / "overlays").glob("*.yaml"))
    )
