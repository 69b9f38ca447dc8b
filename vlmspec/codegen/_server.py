"""Render the FastAPI server stub from the intermediate model.

Public entry point: ``render_server(ir, *, models_module=".models") -> str``: the source of a
module with ``RequestContext``, ``ApiError``, ``RequestValidationFailed``, ``InvalidRequest``, the
service Protocol (``ir.service_name``), ``create_router(service)`` and ``create_app(service)``.
Not yet ruff-formatted; deterministic for a given ``ir``.
"""

from __future__ import annotations

import re
import textwrap

import jinja2

from ._invalid import Invalid
from ._ir import ApiIR, Operation, Param, Skipped, TypeRef

__all__ = ["environment", "render_server"]

_LINE = 100
# Names the server module defines itself; a model with one of these names is imported aliased.
_SERVER_NAMES = frozenset(
    {"ApiError", "RequestContext", "RequestValidationFailed", "APIRouter", "FastAPI", "Request"}
    | {"InvalidRequest", "InvalidRequestHandler"}
    | {"Response", "StreamingResponse", "Annotated", "Any", "Literal", "Protocol", "TypeVar"}
    | {"AsyncIterator", "Callable", "Mapping", "Sequence", "dataclass", "json", "logging"}
    | {"pydantic", "pydantic_core", "create_app", "create_router"}
)


_EXPORTS = (
    "ApiError",
    "InvalidRequest",
    "InvalidRequestHandler",
    "RequestContext",
    "RequestValidationFailed",
    "create_app",
    "create_router",
)


def environment() -> jinja2.Environment:
    """The template environment shared by the server and client renderers."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vlmspec.codegen", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python source, not HTML
    )
    env.filters["pascal"] = lambda name: "".join(p.capitalize() for p in name.split("_") if p)
    env.filters["doc"] = docstring
    env.filters["py"] = repr
    env.filters["doctext"] = doctext
    env.filters["comment"] = skipped_comment
    env.filters["route"] = route_path
    env.filters["service_params"] = lambda op: [
        p for p in op.params if p.location in ("path", "query")
    ]
    return env


def doctext(text: str) -> str:
    """``text`` made safe inside a triple-quoted docstring."""
    return " ".join(text.replace("\\", "/").replace('"', "'").split())


def docstring(op: Operation, indent: int) -> str:
    """One line naming the operation, cut to fit the line length."""
    text = doctext(f"{op.summary or op.operation_id}: `{op.method} {op.path}`.")
    room = _LINE - indent - 6
    return text if len(text) <= room else f"`{op.method} {op.path}`."[:room]


def route_path(path: str) -> str:
    """``path`` with each `{name}` an identifier, as Starlette routes need (`{item-id}` →
    `{item_id}`); the generated `_route_param` maps names the same way."""
    return re.sub(
        r"\{([^{}]+)\}",
        lambda m: "{" + "".join(c if c.isalnum() or c == "_" else "_" for c in m.group(1)) + "}",
        path,
    )


def skipped_comment(skipped: Skipped) -> str:
    return textwrap.fill(
        f"{skipped.method} {skipped.path}: {skipped.reason}",
        width=_LINE,
        initial_indent="#   ",
        subsequent_indent="#     ",
        break_on_hyphens=False,
        break_long_words=False,
    )


class Names:
    """Model imports (aliased where they clash) and TypeAdapters for non-model types."""

    def __init__(self, taken: frozenset[str]) -> None:
        self._taken = taken
        self.aliases: dict[str, str] = {}
        self.adapters: dict[str, str] = {}  # type expression → adapter variable

    def t(self, ref: TypeRef) -> str:
        """The type expression with models referred to by their local names."""
        for name in ref.names:
            self.aliases.setdefault(name, f"{name}Model" if name in self._taken else name)
        if not ref.names:
            return ref.expr
        pattern = r"\b(" + "|".join(re.escape(n) for n in ref.names) + r")\b"
        return re.sub(pattern, lambda m: self.aliases[m.group(1)], ref.expr)

    def adapter(self, ref: TypeRef) -> str:
        expr = self.t(ref)
        return self.adapters.setdefault(expr, f"_ADAPTER_{len(self.adapters)}")

    def validate(self, ref: TypeRef) -> str:
        if ref.model is not None:
            return f"{self.t(ref)}.model_validate_json"
        return f"{self.adapter(ref)}.validate_json"

    def imports(self) -> dict[str, list[str]]:
        """Plain imports and (one statement each, as isort wants) aliased ones."""
        ordered = sorted(self.aliases.items(), key=lambda item: isort_key(item[0]))
        return {
            "imports": [name for name, alias in ordered if alias == name],
            "aliased": [f"{name} as {alias}" for name, alias in ordered if alias != name],
        }


def isort_key(name: str) -> tuple[int, str]:
    """Ruff's isort order: CONSTANTS, then Classes, then other names, case-insensitively."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name.lower())


def param_type(names: Names, param: Param) -> str:
    expr = names.t(param.type)
    optional = not param.required and expr != "Any" and not expr.endswith("| None")
    return f"{expr} | None" if optional else expr


def render_server(ir: ApiIR, *, models_module: str = ".models") -> str:
    """Source of the server module for ``ir``; models are imported from ``models_module``."""
    names = Names(_SERVER_NAMES | {ir.service_name})

    def dump(ref: TypeRef) -> str:
        return "_model_dump" if ref.model is not None else f"_dumper({names.adapter(ref)})"

    def result_type(op: Operation) -> str:
        parts = [names.t(op.json_type)] if op.json_type is not None else []
        if op.stream is not None:
            parts.append(f"AsyncIterator[{names.t(op.stream.chunk)}]")
        return " | ".join(parts) or "None"

    refusals: dict[str, str] = {}  # entry expression → its constant, shared by operations

    def invalid_entry(plan: Invalid) -> str:
        """An entry of `_INVALID`/`_REJECTED`: (status, media type, validator or None, default
        body or None)."""
        validate = names.validate(plan.type) if plan.type is not None else "None"
        entry = f"({plan.status}, {plan.media!r}, {validate}, {plan.default!r})"
        return refusals.setdefault(entry, f"_REFUSED_{len(refusals)}")

    item = ir.validation_item
    validation_item = names.t(TypeRef(item, (item,), item)) if item else "Mapping[str, Any]"
    validation_dump = (
        'error.model_dump(mode="json", by_alias=True, exclude_unset=True)' if item else "error"
    )
    template = environment().get_template("server.py.j2")
    # The body is rendered first: it decides which models and adapters the imports need.
    context = {
        "ir": ir,
        "models_module": models_module,
        "t": names.t,
        "validate": names.validate,
        "dump": dump,
        "result_type": result_type,
        "param_type": lambda p: param_type(names, p),
        "validation_item": validation_item,
        "validation_dump": validation_dump,
        "invalid_entry": invalid_entry,
        "exports": sorted([ir.service_name, *_EXPORTS], key=isort_key),
        "routes": sorted(ir.operations, key=_route_order),
    }
    candidates = ["Annotated", "Any", "Literal", "Protocol", "TypeVar"]
    template.render(
        **context, imports=[], aliased=[], adapters=[], refusals=[], typing_imports=candidates
    )
    adapters = sorted(((v, k) for k, v in names.adapters.items()), key=lambda a: int(a[0][9:]))
    extra = {
        **names.imports(),
        "adapters": adapters,
        "refusals": [(name, entry) for entry, name in refusals.items()],
    }
    # Every candidate is imported; ruff's F401 fix (see _generate) drops the unused ones, which
    # is cheaper than parsing a draft (seconds on OpenAI's 278 operations).
    return template.render(**context, **extra, typing_imports=candidates)


def _route_order(op: Operation) -> list[bool]:
    return [segment.startswith("{") for segment in op.path.split("/")]
