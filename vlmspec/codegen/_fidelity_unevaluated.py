"""`unevaluatedProperties: false` beside `anyOf`/`oneOf` (Train Travel's `BookingPayment.source`).

datamodel-code-generator merges the keyword into every branch's class as `extra="forbid"`, so a
branch refuses a property that only another branch declares. JSON Schema counts as evaluated
every property declared by the schema itself or by any branch the value matches: `{a, b}` is
valid when one branch declares `a`, the other `b`, and both match. Where every branch declares
its properties plainly (no `additionalProperties`, `patternProperties`, `$ref` or nested
composition), the branch classes allow extra keys again and the annotation gets a validator
that refuses the keys no matching branch declares.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

__all__ = ["EVALUATED_ONLY", "evaluated_only", "evaluated_only_source"]

EVALUATED_ONLY = "_evaluated_only"
# Keywords that evaluate properties other than through `properties` (or hide what a branch
# declares): with any of them, the schema is left as the generator wrote it.
_UNPLAIN = frozenset(
    {"$ref", "additionalProperties", "patternProperties", "allOf", "anyOf", "oneOf", "not"}
    | {"if", "then", "else", "dependentSchemas", "unevaluatedProperties", "$dynamicRef"}
)
_SOURCE = '''
def _evaluated_only(
    own: tuple[str, ...], *branches: tuple[Any, tuple[str, ...]]
) -> Callable[[Any], Any]:
    """`unevaluatedProperties: false` over branches: a key must be declared by the schema
    itself (``own``) or by a branch the value matches."""
    adapters: list[tuple[TypeAdapter[Any], frozenset[str]]] = []

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        if not adapters:
            adapters[:] = [(TypeAdapter(b), frozenset(names)) for b, names in branches]
        evaluated = set(own)
        for adapter, names in adapters:
            try:
                adapter.validate_python(value)
            except ValueError:  # pydantic's ValidationError; a component may be named so
                continue
            evaluated |= names
        if value.keys() - evaluated:
            raise ValueError("a property no matching branch evaluates (unevaluatedProperties)")
        return value

    return check
'''


def evaluated_only_source() -> str:
    return _SOURCE


def evaluated_only(
    schema: Mapping[str, Any],
    where: tuple[str, ...],
    classes_at: Mapping[tuple[str, ...], str],
    classes: Mapping[str, ast.ClassDef],
) -> ast.expr | None:
    """The validator for ``schema`` (at ``where``), with its branch classes opened again; None
    when the schema is not such a case."""
    key = "anyOf" if "anyOf" in schema else "oneOf"
    branches = schema.get(key)
    if schema.get("unevaluatedProperties") is not False or not isinstance(branches, list):
        return None
    if (_UNPLAIN - {key, "unevaluatedProperties"}) & schema.keys():
        return None
    if not all(isinstance(b, dict) and not _UNPLAIN & b.keys() for b in branches):
        return None
    nodes = [classes.get(classes_at.get((*where, key, str(i)), "")) for i in range(len(branches))]
    if any(node is None and _names(b) for node, b in zip(nodes, branches, strict=True)):
        return None  # a branch declaring properties but modelled otherwise: left as it is
    own = _names(schema)
    pairs: list[ast.expr] = [_strings(own)]
    for node, branch in zip(nodes, branches, strict=True):
        if node is None:
            continue  # no class and no properties: it evaluates none
        _drop_extra(node)
        names = _strings(_names(branch) - own)
        pairs.append(ast.Tuple([ast.Name(node.name, ast.Load()), names], ast.Load()))
    validator = ast.Call(ast.Name(EVALUATED_ONLY, ast.Load()), pairs, [])
    return ast.Call(ast.Name("BeforeValidator", ast.Load()), [validator], [])


def _strings(names: set[str]) -> ast.Tuple:
    return ast.Tuple([ast.Constant(n) for n in sorted(names)], ast.Load())


def _names(schema: Mapping[str, Any]) -> set[str]:
    properties = schema.get("properties")
    return set(properties) if isinstance(properties, dict) else set()


def _drop_extra(node: ast.ClassDef) -> None:
    """Forget the `extra="forbid"` the generator merged in (`extra="allow"` is put back later)."""
    for statement in node.body:
        if not isinstance(statement, ast.Assign) or not isinstance(statement.value, ast.Call):
            continue
        if any(isinstance(t, ast.Name) and t.id == "model_config" for t in statement.targets):
            statement.value.keywords = [k for k in statement.value.keywords if k.arg != "extra"]
