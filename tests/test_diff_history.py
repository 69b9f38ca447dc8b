"""Eight consecutive real commits of openai/openai-openapi, each change verified by hand.

The data is the first commit's `openapi.yaml` (gzipped) and `git diff -U0` patches for the next
seven; every rebuilt file must hash to the git blob id of that commit, so the test diffs exactly
what OpenAI published. The expected classifications below were checked against the textual diffs
one by one (README, "Spec diffs"). That data is another project's history, which this repository
does not carry: it is read from `$VLMSPEC_OPENAI_HISTORY`, else `../shared/openai-history/`
(`7348a53.yaml.gz` and `OLD-NEW.patch` files made with `git diff -U0 OLD NEW -- openapi.yaml`),
and the history tests skip without it. The enum case runs on the OpenAI spec this repository
ships (`tests/golden/openai-openapi.yaml.gz`).
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from vlmspec.codegen import Change, SpecError, diff_documents, load_for_diff

ROOT = Path(__file__).resolve().parent.parent
OPENAI = Path(os.environ.get("VLMSPEC_OPENAI_HISTORY") or ROOT.parent / "shared" / "openai-history")
SHIPPED_OPENAI = ROOT / "tests" / "golden" / "openai-openapi.yaml.gz"

# (short commit, git blob id of its openapi.yaml)
COMMITS = [
    ("7348a53", "192371f28a31033f67e45518266a6b1a4002fdb1"),
    ("a2726e0", "1fef297a3196889c244496308db5dfe8ce322367"),
    ("061d7d0", "ef8db70b93c91990fa62caf87c43d1a796d080e0"),
    ("aa58881", "f68395ee1e685fc371c386e0ac7a75c5c8ee9933"),
    ("ca34204", "c303db215084c844cac15977caa3436efafb0ac6"),
    ("23e6f5b", "d26765f740374e8760d5df0db96b4f470af9b93f"),
    ("c094647", "00576fea2ac9fef13467728f0b6172642b751df2"),
    ("b6c1bec", "fa6db571e59a38cb481362a8f823a728ce86a9a7"),
]

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _apply(lines: list[str], patch: str) -> list[str]:
    """Apply a ``git diff -U0`` patch (hunks in order, no context) to ``lines``."""
    out: list[str] = []
    done = 0  # lines of the old file already copied or dropped
    body = patch.splitlines(keepends=True)
    i = 0
    while i < len(body):
        match = _HUNK.match(body[i])
        i += 1
        if not match:
            continue
        start, count = int(match[1]), int(match[2] if match[2] is not None else 1)
        keep = start - 1 if count else start  # a pure insertion comes after line `start`
        out += lines[done:keep]
        done = keep + count
        while i < len(body) and body[i][:1] in "-+\\":
            if body[i].startswith("+"):
                out.append(body[i][1:])
            i += 1
    return out + lines[done:]


def _blob_id(text: str) -> str:
    """Git's name for a file's content (SHA-1 of a header and the bytes)."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    if not (OPENAI / "7348a53.yaml.gz").is_file():
        pytest.skip(f"openai/openai-openapi history not at {OPENAI} (set $VLMSPEC_OPENAI_HISTORY)")
    folder = tmp_path_factory.mktemp("openai-history")
    text = gzip.decompress((OPENAI / f"{COMMITS[0][0]}.yaml.gz").read_bytes()).decode("utf-8")
    loaded: dict[str, dict[str, Any]] = {}
    previous = None
    for commit, blob in COMMITS:
        if previous is not None:
            patch = (OPENAI / f"{previous}-{commit}.patch").read_text(encoding="utf-8")
            text = "".join(_apply(text.splitlines(keepends=True), patch))
        assert _blob_id(text) == blob, f"rebuilt {commit} differs from the published file"
        path = folder / f"{commit}.yaml"
        path.write_text(text, encoding="utf-8")
        document = load_for_diff(path)
        assert not isinstance(document, SpecError), document
        loaded[commit] = document
        previous = commit
    return loaded


def _tail(change: Change) -> str:
    """The path below the innermost union branch: the same edit reached many ways counts once."""
    return change.path.rsplit(">", 1)[-1] if ">" in change.path else change.path


def _summary(changes: list[Change]) -> dict[tuple[str, str], int]:
    return dict(Counter((c.rule, _tail(c)) for c in changes))


# Verified by hand against `git diff -U0 OLD NEW -- openapi.yaml` (see README, "Spec diffs").
EXPECTED: dict[tuple[str, str], dict[tuple[str, str], int]] = {
    # annotation: {type: object} → anyOf [Annotation (4 citation objects), null], in the
    # Responses and Beta streaming events: null is new (breaking), the objects narrow (safe).
    ("7348a53", "a2726e0"): {
        ("response-nullable-added", ".annotation"): 2,
        ("response-type-narrowed", ".annotation"): 2,
    },
    ("a2726e0", "061d7d0"): {},  # descriptions only
    ("061d7d0", "aa58881"): {},  # ResponsesServerEvent (WebSocket only): no operation reaches it
    ("aa58881", "ca34204"): {("response-status-added", ""): 161},  # 429 on every operation
    ("ca34204", "23e6f5b"): {  # Model.shutdown_date: GET /models (data[]) and /models/{model}
        ("response-property-added", "$.data[].shutdown_date"): 1,
        ("response-property-added", "$.shutdown_date"): 1,
    },
    # MCPToolCall.error loses its string branch. Items sent in requests reach it through
    # `Item` (type: object + oneOf): 5 operations and 3 beta ones, a breaking narrowing.
    ("23e6f5b", "c094647"): {
        ("request-type-narrowed", ".error"): 8,
        ("response-type-narrowed", ".error"): 47,
    },
    ("c094647", "b6c1bec"): {  # chat completion `metadata`: create, get, update, list
        ("response-property-added", "$.data[].metadata"): 1,
        ("response-property-added", "$.metadata"): 3,
    },
}


@pytest.mark.parametrize(("old", "new"), list(EXPECTED), ids=[f"{a}-{b}" for a, b in EXPECTED])
def test_real_commit_pair(documents: dict[str, dict[str, Any]], old: str, new: str) -> None:
    changes = diff_documents(documents[old], documents[new])
    assert _summary(changes) == EXPECTED[(old, new)]


def test_union_beside_type_narrowing_is_found(documents: dict[str, dict[str, Any]]) -> None:
    """Reported "no changes" on the request side before composition was walked beside `type`."""
    changes = diff_documents(documents["23e6f5b"], documents["c094647"])
    breaking = sorted((c.operation, c.path) for c in changes if c.severity == "breaking")
    assert breaking[:2] == [
        ("POST /conversations", "$.items[]<MCPToolCall>.error"),
        ("POST /conversations/{conversation_id}/items", "$.items[]<MCPToolCall>.error"),
    ]
    assert {c.message for c in changes} == {"branch `string` removed"}


def test_any_object_to_four_objects_is_a_narrowing(documents: dict[str, dict[str, Any]]) -> None:
    """Was four `response-type-widened` (breaking) per event before unions were judged by what
    they accept."""
    changes = diff_documents(documents["7348a53"], documents["a2726e0"])
    narrowed = [c for c in changes if c.rule == "response-type-narrowed"]
    assert narrowed[0].message == (
        "any `object` narrowed to `FileCitationBody`, `UrlCitationBody`, "
        "`ContainerFileCitationBody`, `FilePath`"
    )
    assert not [c for c in changes if c.rule == "response-type-widened"]


def test_model_enum_beside_free_string_is_no_change(tmp_path: Path) -> None:
    """d4fb706 added "gpt-5.5" to the model enums, each beside a plain string: 18 false breaking
    changes (exit 1) before. The same edit on the shipped OpenAI spec now diffs to nothing."""
    old_path = tmp_path / "old.yaml"
    old_path.write_bytes(gzip.decompress(SHIPPED_OPENAI.read_bytes()))
    old = load_for_diff(old_path)
    assert not isinstance(old, SpecError)
    new = copy.deepcopy(old)
    schemas = new["components"]["schemas"]
    edited = 0
    for name in ("ModelIdsShared", "ModelIdsResponses", "ModelIdsCompaction"):
        for branch in schemas.get(name, {}).get("anyOf", []):
            if isinstance(branch, dict) and "enum" in branch:
                branch["enum"] = [*branch["enum"], "gpt-9-test"]
                edited += 1
    assert edited, "the shipped spec no longer has an enum beside a free string"
    assert diff_documents(old, new) == []
