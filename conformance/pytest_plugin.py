"""pytest plugin: `pytest --pyargs conformance --base-url URL` (options registered here)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vlmspec-conformance", "vlmspec conformance suite")
    group.addoption("--base-url", default=None, help="Server to test (OpenAI SDK base_url).")
