"""Pydantic v2 models that accept exactly what the document's JSON Schemas accept.

datamodel-code-generator (called in-process) writes the models; its options close most gaps
between pydantic and JSON Schema (strict scalars, no `None` the schema does not allow, the
MISSING sentinel for absent optional fields, `extra="forbid"` for `additionalProperties: false`).
`_refine` closes the rest on the syntax tree: other objects admit extra keys (`extra="allow"`),
JSON Schema's `integer` admits `1.0`, and union branches with constraints must not become
RootModel classes of their own.
"""

from __future__ import annotations

import ast
import copy
import tempfile
import warnings
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, ClassVar

from . import _fidelity
from ._astwalk import walk
from ._errors import SpecError
from ._fidelity_empty import hoist_empty_objects
from ._gc import gc_paused

__all__ = ["render_models"]

_STRING_FORMATS = (
    "binary", "byte", "date", "date-time", "duration", "email", "hostname", "idn-email",
    "idn-hostname", "ipv4", "ipv6", "iri", "iri-reference", "json-pointer", "password", "regex",
    "relative-json-pointer", "time", "uri", "uri-reference", "uri-template", "uuid",
)  # fmt: skip

# More formats the generator turns into other types: Stripe's `{type: string, format: decimal}`
# became Decimal, which refuses "" and parses "1.5"; `{type: number, format: unixtime}` became int.
_MORE_FORMATS = [
    *(f"{name}=string" for name in ("decimal", "integer", "unixtime", "ulid", "path")),
    *(f"{name}=string" for name in ("date-time-local", "time-local", "timestamp with time zone")),
    *(f"{name}=string" for name in ("ipv4-network", "ipv6-network")),
    *(f"uuid{n}=string" for n in range(1, 6)),
    *(f"number+{name}=number" for name in ("decimal", "date-time", "time", "time-delta")),
    "number+unixtime=number",
    "integer+date-time=integer",
]

# Each option closes a gap between pydantic's lax defaults and JSON Schema.
_OPTIONS: dict[str, Any] = {
    "target_python_version": "3.11",
    "target_pydantic_version": "2.14",
    "use_annotated": True,  # constraints in Field() inside Annotated, which mypy understands
    "field_constraints": True,
    "strict_types": ["str", "bytes", "int", "float", "bool"],  # no "0.5" → 0.5, no true → 1
    "strict_nullable": True,  # `| None` only where the schema admits null
    "use_missing_sentinel": True,  # an absent optional field stays absent, never null
    "enum_field_as_literal": "all",
    "use_standard_collections": True,
    "use_union_operator": True,
    "use_schema_description": True,
    "use_double_quotes": True,
    "disable_timestamp": True,
    "keep_model_order": True,
    "formatters": [],  # none: ruff formats the final text once (see _generate)
    # `format` is an annotation in JSON Schema 2020-12: "not-a-date" is a valid date-time string.
    "type_mappings": [f"{name}=string" for name in _STRING_FORMATS] + _MORE_FORMATS,
}

# A number with a zero fraction is a JSON Schema `integer`; pydantic's StrictInt refuses it.
_PRELUDE = '''
def _integral(value: object) -> object:
    """Read ``1.0`` as ``1``: JSON Schema's `integer` is any number with a zero fraction."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt: TypeAlias = Annotated[int, Strict(), BeforeValidator(_integral)]
'''
_NOT_BOOL_PRELUDE = '''
def _not_bool(value: Any) -> Any:
    """JSON's true and false are not the numbers 1 and 0, which a Literal compares them equal to."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not one of the enum's numbers")
    return value
'''
_EMPTY = '''"""No component schemas: request and response bodies are validated inline."""

from __future__ import annotations
'''
_CONSTRAINT_KEYWORDS = frozenset(
    {"ge", "gt", "le", "lt", "multiple_of", "min_length", "max_length", "pattern", "strict"}
)


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C that Python wrapped on its way out (a RuntimeError "Error calling __set_name__"
    when it hits while the generator's classes are being created): an interrupt, not an error."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        if isinstance(found, KeyboardInterrupt):
            return True
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return False


def render_models(document: Mapping[str, Any], source: str) -> str | SpecError:
    """Source of a models module for every schema in ``document`` (not yet ruff-formatted)."""
    from datamodel_code_generator import InputFileType, generate

    schemas = (document.get("components") or {}).get("schemas")
    if not isinstance(schemas, Mapping) or not schemas:
        return _EMPTY  # the generator refuses a document without schemas; nothing to model
    marked = _mark_properties(document)
    if isinstance(document, dict):
        _fidelity.hoist_not(document)
        hoist_empty_objects(document)
    options = {**_OPTIONS, "field_extra_keys": {_UNIQUE, _ONE_OF}} if marked else _OPTIONS
    try:
        with warnings.catch_warnings(), tempfile.TemporaryDirectory() as scratch:
            warnings.simplefilter("ignore")
            # Which class models which schema: the passes of _fidelity.py need it.
            report = Path(scratch) / "models.json"
            options = {**options, "emit_model_metadata": report}
            code = generate(dict(document), input_file_type=InputFileType.OpenAPI, **options)
            metadata = _fidelity.read_metadata(report)
    except Exception as exc:  # the generator raises many types; each means "cannot model this"
        if _interrupted(exc):
            raise KeyboardInterrupt from None
        detail = " ".join(str(exc).split()) or type(exc).__name__
        return SpecError("cannot generate models", detail, source, "#/components/schemas")
    if not isinstance(code, str):
        return SpecError("cannot generate models", "expected one module", source)
    with gc_paused():
        return _refine(code, frozenset(schemas), document, metadata)


_UNIQUE = "x-vlmspec-unique-items"
_ONE_OF = "x-vlmspec-one-of"
# `oneOf` (no discriminator) on a property: pydantic's union accepts a value matching several
# branches; JSON Schema wants exactly one. Branch adapters are built on first use, not at import.
_ONE_OF_PRELUDE = '''
def _exactly_one(*branches: Any) -> Callable[[Any], Any]:
    """JSON Schema's `oneOf`: a value matching more than one branch is invalid."""
    adapters: list[TypeAdapter[Any]] = []

    def check(value: Any) -> Any:
        if value is None:
            return value
        if not adapters:
            adapters[:] = [TypeAdapter(branch) for branch in branches]
        matches = 0
        for adapter in adapters:
            try:
                adapter.validate_python(value)
            except ValueError:  # pydantic's ValidationError; a component may be named so
                continue
            matches += 1
        if matches > 1:
            raise ValueError("value matches more than one oneOf branch")
        return value

    return check
'''
# `uniqueItems` on a property: pydantic has no spelling; an AfterValidator compares items as
# JSON Schema does (1 == 1.0, key order ignored, true != 1).
_UNIQUE_PRELUDE = '''
def _json_key(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _json_key(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_key(v) for v in value]
    return value


def _unique_items(value: _T) -> _T:
    """JSON Schema's `uniqueItems`: no two items equal as JSON values."""
    if isinstance(value, list):
        seen: set[str] = set()
        for item in value:
            plain = (
                item.model_dump(mode="json", by_alias=True, exclude_unset=True)
                if isinstance(item, BaseModel)
                else pydantic_core.to_jsonable_python(item, by_alias=True)
            )
            key = json.dumps(_json_key(plain), sort_keys=True)
            if key in seen:
                raise ValueError("array items are not unique (uniqueItems)")
            seen.add(key)
    return value
'''


def _mark_properties(document: Mapping[str, Any]) -> bool:
    """Tag property schemas with `uniqueItems: true` or an undiscriminated `oneOf`, so the
    generator carries the tag into its Field() (`field_extra_keys`), where `_refine` turns it
    into a validator."""
    found = False
    stack: list[Any] = [document.get("components")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                for value in properties.values():
                    if not isinstance(value, dict):
                        continue
                    if value.get("uniqueItems") is True:
                        value[_UNIQUE] = True
                        found = True
                    branches = value.get("oneOf")
                    undiscriminated = "discriminator" not in value
                    if isinstance(branches, list) and len(branches) > 1 and undiscriminated:
                        value[_ONE_OF] = _fidelity.branch_counts(branches)
                        found = True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _property_validators(module: ast.Module, renames: Mapping[str, str]) -> set[str]:
    """Field(json_schema_extra={marker: True}) → the validator for that marker beside it.

    Returns the markers found (their helpers go into the module's prelude). The same walk makes
    ``renames`` (class names; a whole-module walk of its own cost 0.05 s on OpenAI's module):
    the walk reaches a node's descendants after the node, so the branches copied into a
    validator are copied before their names change, and the copies are walked (renamed) too.
    """
    found: set[str] = set()
    for node in walk(module):
        if renames:
            _rename(node, renames)
        if not (isinstance(node, ast.Subscript) and _name(node.value) == "Annotated"):
            continue
        if not isinstance(node.slice, ast.Tuple):
            continue
        for extra in list(node.slice.elts[1:]):
            if not (isinstance(extra, ast.Call) and _name(extra.func) == "Field"):
                continue
            markers = set()
            kept = []
            counts: list[int] = []
            for keyword_ in extra.keywords:
                marked = _markers(keyword_)
                markers |= marked
                if not marked:
                    kept.append(keyword_)
                elif _ONE_OF in marked:
                    counts = _branch_counts(keyword_)
            if not markers:
                continue
            extra.keywords = kept
            if _UNIQUE in markers:
                node.slice.elts.append(_call("AfterValidator", _call("_unique_items")))
                found.add(_UNIQUE)
            branches = _branches(node.slice.elts[0])
            if _ONE_OF in markers:
                branches = _fidelity.weighted_branches(branches, counts)
            if _ONE_OF in markers and len(branches) > 1:
                exactly = _call("_exactly_one", *branches)
                node.slice.elts.append(_call("BeforeValidator", exactly))
                found.add(_ONE_OF)
            # An empty Field() says nothing, but Annotated needs one extra besides the type (a
            # oneOf whose branches the generator merged into one type gets no validator).
            if not kept and not extra.args and len(node.slice.elts) > 2:
                node.slice.elts.remove(extra)
    return found


def _rename(node: ast.AST, renames: Mapping[str, str]) -> None:
    if isinstance(node, ast.Name):
        node.id = renames.get(node.id, node.id)
    elif isinstance(node, ast.ClassDef):
        node.name = renames.get(node.name, node.name)


def _call(name: str, *args: ast.expr) -> ast.Call | ast.Name:
    if name == "_unique_items":
        return ast.Name(id=name, ctx=ast.Load())
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _branches(annotation: ast.expr) -> list[ast.expr]:
    """Members of a union annotation, less MISSING and None (not branches of the oneOf)."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _branches(annotation.left) + _branches(annotation.right)
    if _name(annotation) == "MISSING" or (
        isinstance(annotation, ast.Constant) and annotation.value is None
    ):
        return []
    return [annotation]


def _markers(keyword_: ast.keyword) -> set[str]:
    value = keyword_.value
    if keyword_.arg != "json_schema_extra" or not isinstance(value, ast.Dict):
        return set()
    keys = {k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys if keys <= {_UNIQUE, _ONE_OF} else set()


def _branch_counts(keyword_: ast.keyword) -> list[int]:
    """The `_ONE_OF` marker's value: `_fidelity.branch_counts` of the property's oneOf."""
    value = ast.literal_eval(keyword_.value).get(_ONE_OF)
    return value if isinstance(value, list) else []


def _refine(
    code: str,
    components: frozenset[str],
    document: Mapping[str, Any] | None = None,
    metadata: list[_fidelity.MetaModel] | None = None,
) -> str:
    """Inline branch RootModels, turn enum components into Literal aliases, use JsonInt."""
    module = ast.parse(code)
    renames: dict[str, str] = {}
    if metadata:
        # Before the components get their names back (below): it finds classes by the names
        # the metadata gives them, the generator's, and adds statements no rename touches.
        whole = _fidelity.whole_schema_validators(module, document or {}, metadata)
        if whole:
            _add_imports(module, "typing", {"Any"})
            _add_imports(module, "pydantic", {"BaseModel", "ModelWrapValidatorHandler"})
            _add_imports(module, "pydantic", {"model_validator"})
            _insert_after_imports(module, ast.parse(_fidelity.helper_source(whole)).body)
        metadata, renames = _fidelity.restore_component_names(metadata, components)
    markers = _property_validators(module, renames)
    if metadata:
        nested = _fidelity.nested_validators(module, document or {}, metadata)
        markers |= {_ONE_OF} if _fidelity.EXACTLY_ONE in nested else set()
        markers |= {_UNIQUE} if _fidelity.UNIQUE_ITEMS in nested else set()
        if nested:
            _add_imports(module, "typing", {"Annotated"})
        if _fidelity.NONE_OF in nested:
            if _ONE_OF not in markers:  # else its prelude imports Callable
                module.body[1:1] = ast.parse("from collections.abc import Callable").body
            _add_imports(module, "typing", {"Any"})
            _add_imports(module, "pydantic", {"BaseModel", "BeforeValidator", "TypeAdapter"})
            _add_imports(module, "pydantic", {"ModelWrapValidatorHandler", "model_validator"})
            _insert_after_imports(module, ast.parse(_fidelity.none_of_source()).body)
    if _UNIQUE in markers:
        module.body[1:1] = ast.parse("import json\nimport pydantic_core").body
        _add_imports(module, "typing", {"TypeVar"})
        _add_imports(module, "pydantic", {"AfterValidator", "BaseModel"})
        prelude = ast.parse(f"_T = TypeVar('_T')\n{_UNIQUE_PRELUDE}").body
        _insert_after_imports(module, prelude)
    if _ONE_OF in markers:
        module.body[1:1] = ast.parse("from collections.abc import Callable").body
        _add_imports(module, "typing", {"Any"})
        _add_imports(module, "pydantic", {"BeforeValidator", "TypeAdapter"})
        _insert_after_imports(module, ast.parse(_ONE_OF_PRELUDE).body)
    if metadata and _fidelity.EVALUATED_ONLY in nested:
        _add_imports(module, "collections.abc", {"Callable"})  # joins the import above, if any
        _add_imports(module, "typing", {"Any"})
        _add_imports(module, "pydantic", {"BeforeValidator", "TypeAdapter"})
        _insert_after_imports(module, ast.parse(_fidelity.evaluated_only_source()).body)
    _inline_branch_roots(module, components)
    _alias_literal_roots(module)
    _allow_extra(module)
    _builtin_generics(module)
    if _drop_unfit_defaults(module):
        _add_imports(module, "pydantic", {"MISSING"})
    tidy = _TidyTypes({"StrictInt": "JsonInt"})
    _in_types(module, tidy.visit)
    if tidy.guarded:
        _add_imports(module, "typing", {"Annotated", "Any"})
        _add_imports(module, "pydantic", {"BeforeValidator"})
        _insert_after_imports(module, ast.parse(_NOT_BOOL_PRELUDE).body)
    if tidy.renamed:
        # The prelude spells JsonInt with Annotated, which the module may not import yet.
        _add_imports(module, "typing", {"Annotated", "TypeAlias"})
        _add_imports(module, "pydantic", {"BeforeValidator", "Strict"})
        _insert_after_imports(module, ast.parse(_PRELUDE).body)
    _drop_import(module, "pydantic", "StrictInt")
    _locate_new_statements(module)
    text = ast.unparse(module) + "\n"
    if _narrowed_fields(module):
        # `allOf` lets a schema narrow an inherited property (OpenAI's `status` enums); pydantic
        # validates by the subclass's annotation, which mypy calls an incompatible override.
        text = f'# mypy: disable-error-code="assignment"\n{text}'
    return text


def _locate_new_statements(module: ast.Module) -> None:
    """Line numbers for the statements this pass added (unparse wants them on statements).

    Cheaper than ast.fix_missing_locations over the whole module (seconds on OpenAI's).
    """
    for node in module.body:
        if not hasattr(node, "lineno"):
            ast.fix_missing_locations(node)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if not hasattr(item, "lineno"):
                    ast.copy_location(item, node)
                    ast.fix_missing_locations(item)


def _narrowed_fields(module: ast.Module) -> bool:
    """Whether a class re-annotates a field it inherits from another generated class."""
    classes = {node.name: node for node in module.body if isinstance(node, ast.ClassDef)}
    for name, node in classes.items():
        if not any(_name(b) in classes for b in node.bases):
            continue  # only subclasses of generated classes can narrow (ast.dump is slow)
        parents = _inherited_fields(classes, name, 0)
        for field, kind in _own_fields(classes[name]).items():
            if field in parents and ast.dump(parents[field]) != ast.dump(kind):
                return True
    return False


# Module-level, not closures over `classes`: a recursive closure is a reference cycle, which
# kept the whole tree alive after `_refine` returned, for the collector to traverse (0.25 s on
# OpenAI's module) instead of being freed at once.
def _own_fields(node: ast.ClassDef) -> dict[str, ast.expr]:
    return {
        item.target.id: item.annotation
        for item in node.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    }


def _inherited_fields(
    classes: Mapping[str, ast.ClassDef], name: str, depth: int
) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    bases = [b for b in map(_name, classes[name].bases) if b is not None and b in classes]
    for base in bases if depth < 32 else []:
        found |= _inherited_fields(classes, base, depth + 1) | _own_fields(classes[base])
    return found


def _root_of(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, annotation of `root`) for ``class Name(RootModel[...])``, else None."""
    if not isinstance(node, ast.ClassDef) or len(node.bases) != 1:
        return None
    base = node.bases[0]
    if not (isinstance(base, ast.Subscript) and _name(base.value) == "RootModel"):
        return None
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and _name(item.target) == "root":
            return node.name, item.annotation
    return None


def _class_name(node: ast.stmt) -> str | None:
    return node.name if isinstance(node, ast.ClassDef) else None


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _constraints_only(annotation: ast.expr) -> ast.expr:
    """Keep a Field's constraints, drop its title/description/default (it sits inside a union)."""
    if not (isinstance(annotation, ast.Subscript) and _name(annotation.value) == "Annotated"):
        return annotation
    parts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
    if not parts:
        return annotation
    kept: list[ast.expr] = [parts[0]]
    for extra in parts[1:]:
        if isinstance(extra, ast.Call) and _name(extra.func) == "Field":
            keywords = [k for k in extra.keywords if k.arg in _CONSTRAINT_KEYWORDS]
            if keywords:
                kept.append(ast.Call(func=extra.func, args=[], keywords=keywords))
        else:
            kept.append(extra)
    if len(kept) == 1:
        return kept[0]
    return ast.Subscript(value=annotation.value, slice=ast.Tuple(elts=kept, ctx=ast.Load()))


def _inline_branch_roots(module: ast.Module, components: frozenset[str]) -> None:
    """Replace RootModels that name no component (e.g. `N` for a constrained anyOf branch)."""
    pending: dict[str, ast.ClassDef] = {}
    for node in module.body:
        found = _root_of(node)
        if found and found[0] not in components and isinstance(node, ast.ClassDef):
            pending[found[0]] = node
    inlined: dict[str, ast.expr] = {}
    while True:
        # Inline those whose annotation mentions no candidate (nor itself); repeat for the rest,
        # their annotations substituted first. The module is substituted once, at the end.
        annotations = {name: _root_annotation(node) for name, node in pending.items()}
        ready = {
            name: _constraints_only(annotation)
            for name, annotation in annotations.items()
            if not {n.id for n in walk(annotation) if isinstance(n, ast.Name)} & pending.keys()
        }
        if not ready:
            break
        inlined |= ready
        pending = {name: node for name, node in pending.items() if name not in ready}
        for node in pending.values():
            _in_types(ast.Module(body=[node], type_ignores=[]), _Substitute(ready).visit)
    if inlined:
        module.body = [n for n in module.body if _class_name(n) not in inlined]
        _in_types(module, _Substitute(inlined).visit)
        _drop_rebuilds(module, inlined.keys())


def _root_annotation(node: ast.ClassDef) -> ast.expr:
    found = _root_of(node)
    assert found is not None  # a RootModel class: _inline_branch_roots picked it so
    return found[1]


def _alias_literal_roots(module: ast.Module) -> None:
    """`class E(RootModel[Literal[...]])` → `E: TypeAlias = Literal[...]`, so fields hold values."""
    body: list[ast.stmt] = []
    aliased: set[str] = set()
    for node in module.body:
        found = _root_of(node)
        target = _constraints_only(found[1]) if found else None
        if found and isinstance(target, ast.Subscript) and _name(target.value) == "Literal":
            alias = ast.AnnAssign(
                target=ast.Name(id=found[0], ctx=ast.Store()),
                annotation=ast.Name(id="TypeAlias", ctx=ast.Load()),
                value=target,
                simple=1,
            )
            body.append(alias)
            aliased.add(found[0])
        else:
            body.append(node)
    module.body = body
    if aliased:
        _drop_rebuilds(module, aliased)
        _add_imports(module, "typing", {"TypeAlias"})


_TYPING_GENERICS = {"Dict": "dict", "List": "list"}


def _builtin_generics(module: ast.Module) -> None:
    """`typing.Dict[...]` (datamodel-code-generator's `__pydantic_extra__` annotation) → `dict`."""
    imported: set[str] = set()
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module == "typing":
            imported |= {a.name for a in node.names if a.name in _TYPING_GENERICS}
            node.names = [a for a in node.names if a.name not in _TYPING_GENERICS]
    if not imported:
        return
    module.body = [n for n in module.body if not (isinstance(n, ast.ImportFrom) and not n.names)]
    for name in walk(module):
        if isinstance(name, ast.Name) and name.id in imported:
            name.id = _TYPING_GENERICS[name.id]


def _allow_extra(module: ast.Module) -> None:
    """`extra="allow"` where the schema says nothing: `additionalProperties` defaults to true."""
    allow = ast.keyword(arg="extra", value=ast.Constant("allow"))
    for node in module.body:
        if not isinstance(node, ast.ClassDef) or "BaseModel" not in map(_name, node.bases):
            continue
        config = next((s for s in node.body if _assigns(s, "model_config")), None)
        if config is None:
            start = 1 if node.body and isinstance(node.body[0], ast.Expr) else 0  # docstring
            call = ast.Call(func=ast.Name(id="ConfigDict", ctx=ast.Load()), args=[], keywords=[])
            assign = ast.Assign(targets=[ast.Name(id="model_config", ctx=ast.Store())], value=call)
            node.body.insert(start, assign)
            config = assign
        value = config.value if isinstance(config, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Call) and not any(k.arg == "extra" for k in value.keywords):
            value.keywords.insert(0, copy.deepcopy(allow))
    _add_imports(module, "pydantic", {"ConfigDict"})


def _assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(_name(t) == name for t in node.targets)
    return isinstance(node, ast.AnnAssign) and _name(node.target) == name


_SCALAR_NAMES: dict[str, tuple[type, ...]] = {
    "StrictStr": (str,), "str": (str,), "AwareDatetime": (str,), "StrictBytes": (str,),
    "StrictBool": (bool,), "bool": (bool,), "StrictInt": (int,), "JsonInt": (int,), "int": (int,),
    "StrictFloat": (int, float), "float": (int, float), "list": (list,), "dict": (dict,),
}  # fmt: skip


def _drop_unfit_defaults(module: ast.Module) -> bool:
    """A `default` the field's own type refuses becomes MISSING (the field stays optional).

    JSON Schema's `default` is an annotation: OpenAI's spec has `default: null` on fields that
    do not admit null, and plain values on properties modelled as RootModel classes. Kept, they
    are type errors (mypy) and values the model itself would refuse.
    """
    aliases = {
        n.target.id: n.value
        for n in module.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.value is not None
    }
    dropped = False
    for node in module.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if not isinstance(item, ast.AnnAssign) or item.value is None:
                continue
            try:
                value = ast.literal_eval(item.value)
            except ValueError:
                continue  # MISSING, a call: nothing to check
            if _admits(item.annotation, value, aliases, 0):
                continue
            _drop_keyword(item.annotation, "validate_default")
            dropped = True
            if _name(item.target) == "root":
                item.value = None
                item.simple = 1
            else:
                _add_missing(item)
    return dropped


def _admits(
    annotation: ast.expr, value: object, aliases: Mapping[str, ast.expr], depth: int
) -> bool:
    if depth > 16:
        return True
    if isinstance(annotation, ast.Subscript):
        head = _name(annotation.value)
        parts = (
            annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        )
        if head == "Annotated":
            return _admits(parts[0], value, aliases, depth + 1)
        if head == "Literal":
            return any(isinstance(p, ast.Constant) and p.value == value for p in parts)
        return isinstance(value, _SCALAR_NAMES.get(head or "", ()))
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _admits(annotation.left, value, aliases, depth + 1) or _admits(
            annotation.right, value, aliases, depth + 1
        )
    if isinstance(annotation, ast.Constant):
        return annotation.value is None and value is None
    name = _name(annotation)
    if name == "Any":
        return True
    if name in _SCALAR_NAMES:
        kinds = _SCALAR_NAMES[name]
        return isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if name is not None and name in aliases:
        return _admits(aliases[name], value, aliases, depth + 1)
    return False  # a model class: a plain value is not one


def _drop_keyword(annotation: ast.expr, keyword_: str) -> None:
    for call in walk(annotation):
        if isinstance(call, ast.Call) and _name(call.func) == "Field":
            call.keywords = [k for k in call.keywords if k.arg != keyword_]


def _add_missing(item: ast.AnnAssign) -> None:
    """`x: T = bad` → `x: T | MISSING = MISSING` (inside Annotated when there is one)."""
    missing = ast.Name(id="MISSING", ctx=ast.Load())
    target = item.annotation
    if isinstance(target, ast.Subscript) and _name(target.value) == "Annotated":
        parts = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        parts[0] = ast.BinOp(left=parts[0], op=ast.BitOr(), right=copy.deepcopy(missing))
    else:
        item.annotation = ast.BinOp(left=target, op=ast.BitOr(), right=copy.deepcopy(missing))
    item.value = missing


class _ExprTransformer:
    """ast.NodeTransformer for the expressions found in annotations, without its generic
    field iteration: on OpenAI's module the stock one took seconds."""

    # Node type → visit_* method, found once per class, not by name on every node.
    _visitors: ClassVar[dict[type[ast.AST], Callable[[Any, Any], ast.expr]]] = {}

    def __init_subclass__(cls) -> None:
        methods = [name for name in dir(cls) if name.startswith("visit_")]
        cls._visitors = {getattr(ast, name[6:]): getattr(cls, name) for name in methods}

    def visit(self, node: ast.expr) -> ast.expr:
        method = self._visitors.get(type(node))
        return method(self, node) if method is not None else self.generic_visit(node)

    def generic_visit(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Subscript):
            node.value, node.slice = self.visit(node.value), self.visit(node.slice)
        elif isinstance(node, ast.Tuple | ast.List):
            node.elts = [self.visit(e) for e in node.elts]
        elif isinstance(node, ast.BinOp):
            node.left, node.right = self.visit(node.left), self.visit(node.right)
        elif isinstance(node, ast.Call):
            node.args = [self.visit(a) for a in node.args]
            for keyword_ in node.keywords:
                keyword_.value = self.visit(keyword_.value)
        elif isinstance(node, ast.Attribute):
            node.value = self.visit(node.value)
        return node


class _TidyUnions(_ExprTransformer):
    """`X | None | None | MISSING` → `X | MISSING | None`: no repeats, None last (ruff RUF036).

    It renames names too (``renamed`` says whether any was found): the same pass over every
    annotation, rather than a walk of its own (0.05 s on OpenAI's module).
    """

    def __init__(self, renames: Mapping[str, str]) -> None:
        self.renames = renames
        self.renamed = False

    def visit_Name(self, node: ast.Name) -> ast.expr:
        new = self.renames.get(node.id)
        if new is not None:
            node.id = new
            self.renamed = True
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if not isinstance(node.op, ast.BitOr):
            return self.generic_visit(node)
        members: list[ast.expr] = []
        self._flatten(node, members)
        members = [self.visit(member) for member in members]
        complex_ = sum(not isinstance(m, ast.Name | ast.Constant) for m in members)
        seen: dict[object, ast.expr] = {}
        for member in members:
            seen.setdefault(self._key(member, compare=complex_ > 1), member)
        ordered = sorted(
            seen.values(), key=lambda m: isinstance(m, ast.Constant) and m.value is None
        )
        union = ordered[0]
        for member in ordered[1:]:
            union = ast.BinOp(left=union, op=ast.BitOr(), right=member)
        return union

    @staticmethod
    def _key(member: ast.expr, *, compare: bool) -> object:
        """Identity of a union member; ast.dump (slow) only when two complex ones may repeat."""
        if isinstance(member, ast.Name):
            return member.id
        if isinstance(member, ast.Constant):
            return ("constant", repr(member.value))
        return ast.dump(member) if compare else id(member)

    def _flatten(self, node: ast.expr, into: list[ast.expr]) -> None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            self._flatten(node.left, into)
            self._flatten(node.right, into)
        else:
            into.append(node)


class _Substitute(_ExprTransformer):
    def __init__(self, replacements: Mapping[str, ast.expr]) -> None:
        self.replacements = replacements

    def visit_Name(self, node: ast.Name) -> ast.expr:
        found = self.replacements.get(node.id)
        return node if found is None else copy.deepcopy(found)


def _in_types(module: ast.Module, transform: Callable[[ast.expr], Any]) -> None:
    """Apply ``transform`` to every type position: class bases, field annotations, aliases.

    Walking only these, not docstrings and Field() calls, keeps OpenAI's 40k-line module fast.
    """
    for node in module.body:
        if isinstance(node, ast.ClassDef):
            node.bases = [transform(base) for base in node.bases]
            for item in node.body:
                if isinstance(item, ast.AnnAssign):
                    item.annotation = transform(item.annotation)
                elif (
                    isinstance(item, ast.Assign)
                    and _assigns(item, "__annotations__")
                    and isinstance(item.value, ast.Dict)
                ):
                    # typed extras: `__annotations__ = {"__pydantic_extra__": dict[str, T]}`
                    item.value.values = [transform(value) for value in item.value.values]
        elif isinstance(node, ast.AnnAssign):
            node.annotation = transform(node.annotation)
            if node.value is not None:
                node.value = transform(node.value)


class _TidyTypes(_TidyUnions):
    """Unions tidied, and `Literal[1, 2]` guarded against `true` (pydantic accepts True for 1)."""

    def __init__(self, renames: Mapping[str, str]) -> None:
        super().__init__(renames)
        self.guarded = False

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node = self.generic_visit(node)  # type: ignore[assignment]
        if _name(node.value) != "Literal" or not _numbers_bools_equal(node.slice):
            return node
        self.guarded = True
        guard = ast.Call(
            func=ast.Name(id="BeforeValidator", ctx=ast.Load()),
            args=[ast.Name(id="_not_bool", ctx=ast.Load())],
            keywords=[],
        )
        both = ast.Tuple(elts=[node, guard], ctx=ast.Load())
        return ast.Subscript(value=ast.Name(id="Annotated", ctx=ast.Load()), slice=both)


def _numbers_bools_equal(values: ast.expr) -> bool:
    """Whether a Literal's values hold a number equal to a bool (0 or 1) and no bool itself."""
    elts = values.elts if isinstance(values, ast.Tuple) else [values]
    constants = [e.value for e in elts if isinstance(e, ast.Constant)]
    if any(isinstance(c, bool) for c in constants):
        return False
    return any(isinstance(c, int | float) and c in (0, 1) for c in constants)


def _drop_rebuilds(module: ast.Module, names: Collection[str]) -> None:
    """Remove `Name.model_rebuild()` statements left behind for classes that are gone."""

    def is_rebuild(node: ast.stmt) -> bool:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return False
        func = node.value.func
        return isinstance(func, ast.Attribute) and _name(func.value) in names

    module.body = [n for n in module.body if not is_rebuild(n)]


def _imports(module: ast.Module, source: str) -> ast.ImportFrom | None:
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module == source:
            return node
    return None


def _add_imports(module: ast.Module, source: str, names: set[str]) -> None:
    node = _imports(module, source)
    if node is None:
        node = ast.ImportFrom(module=source, names=[], level=0)
        _insert_after_imports(module, [node], first=True)
    have = {alias.name for alias in node.names}
    node.names.extend(ast.alias(name=n) for n in sorted(names - have))


def _drop_import(module: ast.Module, source: str, name: str) -> None:
    node = _imports(module, source)
    if node is not None:
        node.names = [alias for alias in node.names if alias.name != name]


def _insert_after_imports(module: ast.Module, nodes: list[ast.stmt], first: bool = False) -> None:
    """Insert after the last import (or after the first, when ``first``)."""
    indexes = [i for i, n in enumerate(module.body) if isinstance(n, ast.Import | ast.ImportFrom)]
    at = (indexes[0] if first else indexes[-1]) + 1 if indexes else 0
    module.body[at:at] = nodes
