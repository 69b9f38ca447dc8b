"""Deterministic JSON instances of a client-supplied JSON Schema, verified with jsonschema."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jsonschema
import referencing.exceptions
import referencing.jsonschema
from referencing import Registry, Resource

from ._keywords import bounds, guess_type, merge, search
from ._regex import string_for_pattern

__all__ = ["NoInstance", "SchemaProblem", "check_schema", "instance_for"]

_MAX_DEPTH = 24
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri": "https://example.com/",
    "iri-reference": "https://example.com/",
    "uri-template": "https://example.com/{id}",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "regex": ".*",
    "json-pointer": "/a",
    "relative-json-pointer": "0",
}


class SchemaProblem(Exception):
    """The schema is not a valid JSON Schema; ``path`` points inside it."""

    def __init__(self, message: str, path: list[str | int]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class NoInstance(Exception):
    """No instance could be produced (unsatisfiable, unresolvable or unsupported schema)."""


def _validator_class(schema: Any) -> Any:
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)


def check_schema(schema: Any) -> None:
    """Raise SchemaProblem unless *schema* is valid against its meta-schema."""
    cls = _validator_class(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        message = exc.message if len(exc.message) <= 300 else exc.message[:297] + "..."
        raise SchemaProblem(message, list(exc.absolute_path)) from None


class _Builder:
    def __init__(self, schema: Any) -> None:
        cls = _validator_class(schema)
        spec = referencing.jsonschema.specification_with(
            cls.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
        )
        resource = Resource.from_contents(schema, default_specification=spec)
        self.registry: Registry[Any] = Registry()
        self.resolver = self.registry.resolver_with_root(resource)
        self.validator = cls(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER)
        self.draft4 = cls is jsonschema.Draft4Validator or cls is jsonschema.Draft3Validator

    def valid(self, schema: Any, instance: Any) -> bool:
        try:
            return bool(self.validator.evolve(schema=schema).is_valid(instance))
        except (jsonschema.exceptions.ValidationError, referencing.exceptions.Unresolvable):
            return False

    def gen(self, schema: Any, resolver: Any, depth: int, salt: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise NoInstance("schema nests too deeply")
        if schema is True:
            return None
        if not isinstance(schema, dict) or schema is False:
            raise NoInstance("the schema `false` admits no instance")
        if "const" in schema:
            return schema["const"]
        if "$ref" in schema:
            try:
                found = resolver.lookup(schema["$ref"])
            except referencing.exceptions.Unresolvable as exc:
                raise NoInstance(f"cannot resolve $ref {schema['$ref']!r}") from exc
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            target = found.contents
            merged = merge(target, rest) if isinstance(target, dict) else target
            return self.gen(merged, found.resolver, depth + 1, salt)
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if isinstance(part, dict) and "$ref" in part:
                    part = self._deref(part, resolver)
                merged = merge(merged, part)
            return self.gen(merged, resolver, depth + 1, salt)
        if "if" in schema:
            rest = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
            branches = [merge(schema["if"], schema.get("then", True)), schema.get("else", True)]
            return self._first_valid(
                {**rest, "anyOf": branches}, branches, resolver, depth, salt, "anyOf"
            )
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._first_valid(schema, schema[keyword], resolver, depth, salt, keyword)
        if "enum" in schema:
            for value in schema["enum"]:
                if self.valid(schema, value):
                    return value
            raise NoInstance("no enum value satisfies the schema")
        return self._typed(schema, resolver, depth, salt)

    def _deref(self, schema: dict[str, Any], resolver: Any) -> Any:
        try:
            target = resolver.lookup(schema["$ref"]).contents
        except referencing.exceptions.Unresolvable as exc:
            raise NoInstance(f"cannot resolve $ref {schema['$ref']!r}") from exc
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return merge(target, rest) if rest else target

    def _first_valid(
        self, schema: dict[str, Any], branches: Any, resolver: Any, depth: int, salt: int, kw: str
    ) -> Any:
        rest = {k: v for k, v in schema.items() if k != kw}
        for branch in branches:
            try:
                candidate = self.gen(merge(rest, branch), resolver, depth + 1, salt)
            except NoInstance:
                continue
            if self.valid(schema, candidate):
                return candidate
        raise NoInstance(f"no {kw} branch yields an instance")

    def _typed(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        types = schema.get("type", guess_type(schema))
        if isinstance(types, str):
            types = [types]
        for kind in types:
            maker: Callable[[dict[str, Any], Any, int, int], Any] | None = getattr(
                self, "_" + str(kind), None
            )
            if maker is None:
                continue
            try:
                candidate = maker(schema, resolver, depth, salt)
            except NoInstance:
                continue
            if len(types) == 1 or self.valid(schema, candidate):
                return candidate
        raise NoInstance("no listed type yields an instance")

    def _null(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return None

    def _boolean(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return salt % 2 == 1

    def _string(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if "format" in schema and schema["format"] in _FORMATS:
            return _FORMATS[schema["format"]]
        if "pattern" in schema:
            found = string_for_pattern(str(schema["pattern"]), low, high)
            if found is None:
                raise NoInstance(f"cannot build a string for pattern {schema['pattern']!r}")
            return found
        text = "example" if salt == 0 else f"example{salt}"
        if len(text) < low:
            text += "x" * (low - len(text))
        return text if high is None else text[: int(high)]

    def _integer(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return int(self._number(schema, resolver, depth, salt, integer=True))

    def _number(
        self, schema: dict[str, Any], resolver: Any, depth: int, salt: int, integer: bool = False
    ) -> Any:
        low, high = bounds(schema, self.draft4)
        step = schema.get("multipleOf", 1 if integer else None)
        if integer and isinstance(step, float) and not step.is_integer():
            step = 1  # integers are multiples of most fractions; validation has the last word
        start = 0 if low is None else low
        if high is not None and low is None:
            start = min(0, high)
        if step:
            value: float | int = math.ceil(start / step) * step + salt * step
            if low is not None and low > value:
                value += step
        else:
            value = math.ceil(start) if integer else start
            value += salt
        if integer:
            value = math.ceil(value)
        if high is not None and value > high:
            raise NoInstance("numeric bounds admit no value")
        return value

    def _array(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        result = [self.gen(sub, resolver, depth + 1, i) for i, sub in enumerate(prefix or [])]
        if "contains" in schema and not any(self.valid(schema["contains"], x) for x in result):
            for _ in range(int(schema.get("minContains", 1))):
                result.append(self.gen(schema["contains"], resolver, depth + 1, len(result)))
        while len(result) < int(schema.get("minItems", 0)):
            result.append(self.gen(items, resolver, depth + 1, len(result)))
        return result

    def _object(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        props: dict[str, Any] = schema.get("properties") or {}
        extra = schema.get("additionalProperties", True)
        wanted = list(schema.get("required", []))
        for name, deps in (schema.get("dependentRequired") or {}).items():
            if name in wanted:
                wanted += [d for d in deps if d not in wanted]
        for name in props:
            if len(wanted) >= int(schema.get("minProperties", 0)):
                break
            if name not in wanted:
                wanted.append(name)
        index = 0
        while len(wanted) < int(schema.get("minProperties", 0)):
            wanted.append(f"key{index}")
            index += 1
        result: dict[str, Any] = {}
        for name in wanted:
            sub = props.get(name)
            if sub is None:
                sub = next(
                    (
                        s
                        for p, s in (schema.get("patternProperties") or {}).items()
                        if search(p, name)
                    ),
                    extra,
                )
            result[name] = self.gen(sub, resolver, depth + 1, 0)
        return result


def _local_refs_only(node: Any) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
            return False
        return all(_local_refs_only(v) for v in node.values())
    if isinstance(node, list):
        return all(_local_refs_only(v) for v in node)
    return True


def _search_instance(builder: _Builder, schema: Any) -> Any:
    # Last resort for schemas our builder misses: a derandomized (so deterministic) search.
    # Only local $refs: hypothesis-jsonschema's resolver would otherwise fetch remote ones.
    if not _local_refs_only(schema):
        raise NoInstance("the schema has non-local $refs")
    import hypothesis
    import hypothesis.errors
    from hypothesis_jsonschema import from_schema

    quiet = hypothesis.settings(
        max_examples=200,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    try:
        return hypothesis.find(from_schema(schema), builder.validator.is_valid, settings=quiet)
    except (hypothesis.errors.HypothesisException, ValueError, TypeError, RecursionError) as exc:
        raise NoInstance("no instance found for the schema") from exc
    except Exception as exc:  # hypothesis-jsonschema raises assorted errors on exotic schemas
        raise NoInstance(f"unsupported schema: {type(exc).__name__}") from exc


def instance_for(schema: Any) -> Any:
    """Return a JSON value valid against *schema* (deterministically), else raise NoInstance."""
    try:
        builder = _Builder(schema)
        for salt in range(3):
            try:
                candidate = builder.gen(schema, builder.resolver, 0, salt)
            except NoInstance:
                break
            if builder.validator.is_valid(candidate):
                return candidate
        return _search_instance(builder, schema)
    except (referencing.exceptions.Unresolvable, jsonschema.exceptions.ValidationError) as exc:
        raise NoInstance(str(exc)) from exc
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise NoInstance(f"unsupported schema: {exc}") from exc
