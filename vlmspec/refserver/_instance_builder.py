"""A direct builder of JSON instances: walks the schema, lets the validator have the last word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import referencing.exceptions
import referencing.jsonschema
from referencing import Registry, Resource

from ._instance_errors import NoInstance
from ._instance_numbers import number_candidates
from ._instance_objects import array_instance, object_instance
from ._keywords import merge
from ._patterns import validator_with_safe_patterns
from ._regex import strings_for_pattern

__all__ = ["Builder", "validator_class"]

_MAX_DEPTH = 24
_MAX_STEPS = 20_000  # generation calls per instance; past this the search takes over
_BRANCH_SALTS = 3
_MAX_LENGTH = 1_000_000
_FORMATS: dict[str, Callable[[int], str]] = {
    "date-time": lambda n: f"2024-01-{1 + n % 28:02d}T00:00:00Z",
    "date": lambda n: f"2024-01-{1 + n % 28:02d}",
    "time": lambda n: f"00:00:{n % 60:02d}Z",
    "duration": lambda n: f"P{1 + n}D",
    "email": lambda n: f"user{n or ''}@example.com",
    "idn-email": lambda n: f"user{n or ''}@example.com",
    "hostname": lambda n: f"host{n}.example.com" if n else "example.com",
    "idn-hostname": lambda n: f"host{n}.example.com" if n else "example.com",
    "ipv4": lambda n: f"192.0.2.{1 + n % 254}",
    "ipv6": lambda n: f"2001:db8::{1 + n % 65534:x}",
    "uri": lambda n: f"https://example.com/{n or ''}",
    "uri-reference": lambda n: f"https://example.com/{n or ''}",
    "iri": lambda n: f"https://example.com/{n or ''}",
    "iri-reference": lambda n: f"https://example.com/{n or ''}",
    "uri-template": lambda n: f"https://example.com/{n or ''}{{id}}",
    "uuid": lambda n: f"00000000-0000-4000-8000-{n % 10**12:012d}",
    "regex": lambda n: f"a{n}" if n else ".*",
    "json-pointer": lambda n: f"/a{n or ''}",
    "relative-json-pointer": lambda n: str(n),
}
_OBJECT_KEYS = {
    "properties", "required", "additionalProperties", "minProperties", "maxProperties",
    "patternProperties", "propertyNames", "dependentRequired", "dependentSchemas",
    "dependencies", "unevaluatedProperties",
}  # fmt: skip
_ARRAY_KEYS = {
    "items", "prefixItems", "minItems", "maxItems", "contains", "minContains", "maxContains",
    "uniqueItems", "additionalItems", "unevaluatedItems",
}  # fmt: skip
_STRING_KEYS = {"minLength", "maxLength", "pattern", "format"}
_NUMBER_KEYS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
_ALL_TYPES = ["null", "object", "string", "integer", "number", "boolean", "array"]


def validator_class(schema: Any) -> Any:
    """The jsonschema validator class for the schema's ``$schema`` (2020-12 by default)."""
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)


def _guess_types(schema: dict[str, Any]) -> list[str]:
    """Types to try for a schema without ``type``, from the keywords it uses."""
    kinds = [
        kind
        for kind, keys in (
            ("object", _OBJECT_KEYS),
            ("array", _ARRAY_KEYS),
            ("string", _STRING_KEYS),
            ("number", _NUMBER_KEYS),
        )
        if keys & schema.keys()
    ]
    return kinds + [kind for kind in _ALL_TYPES if kind not in kinds]


class Builder:
    """Builds candidates for one root schema; ``valid`` checks any subschema in its context."""

    def __init__(self, schema: Any) -> None:
        cls = validator_class(schema)
        spec = referencing.jsonschema.specification_with(
            cls.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
        )
        resource = Resource.from_contents(schema, default_specification=spec)
        self.registry: Registry[Any] = Registry()
        self.resolver = self.registry.resolver_with_root(resource)
        safe = validator_with_safe_patterns(cls)
        self.validator = safe(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER)
        self.draft4 = cls is jsonschema.Draft4Validator or cls is jsonschema.Draft3Validator
        self.steps = 0

    def valid(self, schema: Any, instance: Any) -> bool:
        """Whether ``instance`` is valid against ``schema`` (a subschema of the root)."""
        try:
            return bool(self.validator.evolve(schema=schema).is_valid(instance))
        except (jsonschema.exceptions.ValidationError, referencing.exceptions.Unresolvable):
            return False

    def deref(self, schema: Any, resolver: Any) -> tuple[Any, Any]:
        """The schema with a top-level ``$ref`` replaced by its target, and the resolver to use."""
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema, resolver
        try:
            found = resolver.lookup(schema["$ref"])
        except referencing.exceptions.Unresolvable as exc:
            raise NoInstance(f"cannot resolve $ref {schema['$ref']!r}") from exc
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        target = found.contents
        if rest and isinstance(target, dict):
            target = merge(target, rest)
        return target, found.resolver

    def gen(self, schema: Any, resolver: Any, depth: int, salt: int = 0) -> Any:
        """A candidate instance of ``schema``; ``salt`` picks among alternatives (for variety)."""
        self.steps += 1
        if depth > _MAX_DEPTH or self.steps > _MAX_STEPS:
            raise NoInstance("schema nests too deeply")
        if schema is True:
            return None
        if not isinstance(schema, dict):
            raise NoInstance("the schema `false` admits no instance")
        if "const" in schema:
            return schema["const"]
        if "$ref" in schema:
            target, inner = self.deref(schema, resolver)
            return self.gen(target, inner, depth + 1, salt)
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part, _ = self.deref(part, resolver)
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
            fitting = [value for value in schema["enum"] if self.valid(schema, value)]
            if not fitting:
                raise NoInstance("no enum value satisfies the schema")
            return fitting[salt % len(fitting)]
        return self._typed(schema, resolver, depth, salt)

    def _first_valid(
        self, schema: dict[str, Any], branches: Any, resolver: Any, depth: int, salt: int, kw: str
    ) -> Any:
        rest = {k: v for k, v in schema.items() if k != kw}
        # One pass with the caller's salt first: other salts only when no branch fits as is.
        for attempt in range(_BRANCH_SALTS):
            for branch in branches:
                try:
                    candidate = self.gen(merge(rest, branch), resolver, depth + 1, salt + attempt)
                except NoInstance:
                    continue
                if self.valid(schema, candidate):
                    return candidate
        raise NoInstance(f"no {kw} branch yields an instance")

    def _typed(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        types = schema.get("type", _guess_types(schema))
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
        if low > _MAX_LENGTH:
            raise NoInstance("minLength is too large")
        high = schema.get("maxLength")
        high = None if high is None else int(high)
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]](salt)
        if "pattern" in schema:
            found = strings_for_pattern(str(schema["pattern"]), low, high, salt + 1)
            if not found:
                raise NoInstance(f"cannot build a string for pattern {schema['pattern']!r}")
            return found[salt % len(found)]
        text = "example" if salt == 0 else f"example{salt}"
        text += "x" * max(0, low - len(text))
        if high is not None and len(text) > high:
            text = (chr(ord("a") + salt % 26) + "x" * low)[: max(low, min(high, 1))]
        return text

    def _integer(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return self._numeric(schema, salt, integer=True)

    def _number(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return self._numeric(schema, salt, integer=False)

    def _numeric(self, schema: dict[str, Any], salt: int, integer: bool) -> Any:
        fitting = [
            value
            for value in number_candidates(schema, self.draft4, integer)
            if self.valid(schema, value)
        ]
        if not fitting:
            raise NoInstance("numeric bounds admit no value")
        return fitting[salt % len(fitting)]

    def _array(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return array_instance(self, schema, resolver, depth, salt)

    def _object(self, schema: dict[str, Any], resolver: Any, depth: int, salt: int) -> Any:
        return object_instance(self, schema, resolver, depth, salt)
