"""JSON answers for ``response_format``: checked schemas and cached instances."""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._instance import NoInstance, SchemaProblem, check_schema, instance_for

__all__ = ["FormatProblem", "SchemaAnswers"]

_CACHE_SIZE = 512


class FormatProblem(Exception):
    """The supplied schema cannot be answered; ``path`` points inside it."""

    def __init__(self, message: str, path: list[str | int]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def _answer(schema: Any) -> str | FormatProblem:
    try:
        check_schema(schema)
        return json.dumps(instance_for(schema), ensure_ascii=False)
    except SchemaProblem as problem:
        return FormatProblem(f"invalid JSON Schema: {problem.message}", problem.path)
    except NoInstance as exc:
        return FormatProblem(f"no JSON value satisfies this schema: {exc}", [])
    except RecursionError:
        return FormatProblem("the schema nests too deeply", [])


class SchemaAnswers:
    """Answers (JSON text) per schema, computed once on a worker thread and cached."""

    def __init__(self) -> None:
        # One thread: the hypothesis fallback is not thread-safe, and the cache makes it rare.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refserver-schema")
        self._cache: OrderedDict[str, str | FormatProblem] = OrderedDict()

    async def answer(self, schema: Any) -> str:
        """JSON text valid against *schema*; raise FormatProblem if there is none."""
        try:
            key = json.dumps(schema, sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            raise FormatProblem("the schema nests too deeply", []) from None
        found = self._cache.get(key)
        if found is None:
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(self._executor, _answer, schema)
            self._cache[key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if isinstance(found, FormatProblem):
            raise found
        return found

    def close(self) -> None:
        """Stop the worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
