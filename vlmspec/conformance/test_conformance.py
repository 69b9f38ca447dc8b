"""The conformance suite as pytest tests: one per clause (`pytest --pyargs vlmspec.conformance`)."""

from __future__ import annotations

from typing import Any

import pytest

from vlmspec.conformance import CLAUSES


@pytest.mark.parametrize("clause", [clause.id for clause in CLAUSES])
def test_clause(conformance_result: Any, clause: str, request: pytest.FixtureRequest) -> None:
    if conformance_result.internal_errors:
        # a bug of vlmspec: no clause has a verdict, and none may look green
        pytest.fail(f"internal error of vlmspec: {conformance_result.internal_errors[0]}")
    result = next(r for r in conformance_result.clauses if r.id == clause)
    if result.status == "n/a":
        pytest.skip("; ".join(result.notes))
    if result.status == "not judged":
        reasons = "; ".join([*result.notes, *result.unjudged])
        if request.config.getoption("--vlmspec-allow-incomplete"):
            pytest.skip(f"not judged: {reasons}")
        pytest.fail(f"{clause} not judged: {reasons}", pytrace=False)
    if result.status == "fail":
        lines = [f"{clause}: {result.title}"]
        for failure in result.failures:
            lines += [f"- {failure.message} ({failure.case})", f"  {failure.curl or ''}"]
        pytest.fail("\n".join(lines), pytrace=False)
