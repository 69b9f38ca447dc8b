"""Rewrite the golden snapshot: `python -m tests.golden.regen` (then review the diff)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from vlmspec.codegen import SpecError, load_spec, render_package

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture.openapi.yaml"
EXPECTED = HERE / "expected"
SOURCE = "tests/golden/fixture.openapi.yaml"


def render() -> dict[str, str]:
    """The fixture's generated files, by name, with `.txt` appended (they are data, not code)."""
    document = load_spec(FIXTURE)
    assert not isinstance(document, SpecError), document
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    files = render_package(document, source=SOURCE, sha256=digest, out=EXPECTED, package="golden")
    assert not isinstance(files, SpecError), files
    return {f"{path.name}.txt": text for path, text in files.items()}


def main() -> None:
    for stale in EXPECTED.glob("*.txt"):
        stale.unlink()
    EXPECTED.mkdir(exist_ok=True)
    for name, text in sorted(render().items()):
        (EXPECTED / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {(EXPECTED / name).relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
