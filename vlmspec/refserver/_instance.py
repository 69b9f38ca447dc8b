"""Deterministic JSON instances of a client-supplied JSON Schema, verified with jsonschema."""

from __future__ import annotations

from typing import Any

import jsonschema
import referencing.exceptions

from ._instance_builder import Builder, validator_class
from ._instance_errors import NoInstance, SchemaProblem
from ._instance_search import search_instance

__all__ = ["NoInstance", "SchemaProblem", "check_schema", "instance_for"]

_SALTS = 4


def check_schema(schema: Any) -> None:
    """Raise SchemaProblem unless *schema* is valid against its meta-schema."""
    cls = validator_class(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        message = exc.message if len(exc.message) <= 300 else exc.message[:297] + "..."
        raise SchemaProblem(message, list(exc.absolute_path)) from None


def instance_for(schema: Any) -> Any:
    """Return a JSON value valid against *schema* (deterministically), else raise NoInstance."""
    try:
        builder = Builder(schema)
        for salt in range(_SALTS):
            try:
                candidate = builder.gen(schema, builder.resolver, 0, salt)
            except NoInstance:
                break
            if builder.validator.is_valid(candidate):
                return candidate
    except (referencing.exceptions.Unresolvable, jsonschema.exceptions.ValidationError) as exc:
        raise NoInstance(str(exc)) from exc
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise NoInstance(f"unsupported schema: {exc}") from exc
    return search_instance(schema, builder.validator)
