"""JSON answers for ``response_format``: checked schemas and cached instances."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from ._cpu import CpuPool, Overrun
from ._instance import NoInstance, SchemaProblem, check_schema, instance_for

__all__ = ["FormatProblem", "SchemaAnswers"]

_CACHE_SIZE = 512

_Answer = tuple[str | None, str, list[str | int]]


class FormatProblem(Exception):
    """The supplied schema cannot be answered; ``path`` points inside it."""

    def __init__(self, message: str, path: list[str | int]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def _answer(schema: Any) -> _Answer:
    # Runs in a worker process: plain tuples cross the pipe, exceptions with extra fields do not.
    try:
        check_schema(schema)
        return json.dumps(instance_for(schema), ensure_ascii=False), "", []
    except SchemaProblem as problem:
        return None, f"invalid JSON Schema: {problem.message}", problem.path
    except NoInstance as exc:
        return None, f"no JSON value satisfies this schema: {exc}", []
    except RecursionError:
        return None, "the schema nests too deeply", []


class SchemaAnswers:
    """Answers (JSON text) per schema, computed in worker processes under a deadline, cached."""

    def __init__(self, pool: CpuPool) -> None:
        self._pool = pool
        self._cache: OrderedDict[str, str | FormatProblem] = OrderedDict()

    async def answer(self, schema: Any) -> str:
        """JSON text valid against *schema*; raise FormatProblem if there is none."""
        try:
            key = json.dumps(schema, sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            raise FormatProblem("the schema nests too deeply", []) from None
        found = self._cache.get(key)
        if found is None:
            try:
                text, message, path = await self._pool.run(_answer, schema)
            except Overrun:
                # Not cached: a busy machine may answer it next time.
                raise FormatProblem(
                    f"answering this schema exceeded the time limit of {self._pool.deadline:g} s "
                    "(a pattern that backtracks, or a schema too costly to satisfy)",
                    [],
                ) from None
            found = text if text is not None else FormatProblem(message, path)
            self._cache[key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if isinstance(found, FormatProblem):
            raise found
        return found
