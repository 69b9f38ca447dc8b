"""Collected only where the `vlmrun` SDK is installed (it pins its own openai and pydantic)."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("vlmrun") else ["test_*.py"]
