"""The conformance suite as pytest tests: one per clause (`pytest --pyargs conformance`)."""

from __future__ import annotations

from typing import Any

import pytest

from vlmspec.conformance import CLAUSES


@pytest.mark.parametrize("clause", [clause.id for clause in CLAUSES])
def test_clause(conformance_result: Any, clause: str) -> None:
    result = next(r for r in conformance_result.clauses if r.id == clause)
    if result.status == "skip":
        pytest.skip("; ".join(result.notes))
    if result.status == "fail":
        lines = [f"{clause}: {result.title}"]
        for failure in result.failures:
            lines += [f"- {failure.message} ({failure.case})", f"  {failure.curl or ''}"]
        pytest.fail("\n".join(lines), pytrace=False)
