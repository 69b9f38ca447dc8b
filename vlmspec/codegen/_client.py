"""Render the typed httpx client from the intermediate model.

Public entry point: ``render_client(ir, *, models_module=".models") -> str``: the source of a
module with ``Client``/``AsyncClient`` (one method per operation, plus ``<name>_stream`` for SSE),
``ApiError`` and one subclass per documented error status, ``StreamTerminatedError``. Not yet
ruff-formatted; deterministic for a given ``ir``.
"""

from __future__ import annotations

from ._ir import ApiIR, Operation, TypeRef
from ._server import Names, environment, isort_key, param_type

__all__ = ["render_client"]

# Exception names per status, as the OpenAI SDK spells them.
_ERROR_NAMES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    408: "RequestTimeoutError",
    409: "ConflictError",
    413: "PayloadTooLargeError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    431: "RequestHeaderFieldsTooLargeError",
    500: "InternalServerError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
    504: "GatewayTimeoutError",
}
_EXPORTS = (
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AsyncClient",
    "Client",
    "ClientError",
    "StreamTerminatedError",
    "UnexpectedResponseError",
)
# Names the client module defines or imports; a model with one of these is imported aliased.
_CLIENT_NAMES = frozenset(
    {"ApiConnectionError", "ApiError", "ApiTimeoutError", "AsyncClient", "Client", "ClientError"}
    | {"StreamTerminatedError", "UnexpectedResponseError", "EventSource", "ServerSentEvent"}
    | {"Any", "Literal", "Self", "TypeVar", "AsyncIterator", "Awaitable", "Callable", "Iterator"}
    | {"Mapping", "UTC", "datetime", "quote", "httpx", "pydantic", "asyncio", "email", "math"}
    | {"random", "time", "contextlib"}
    | set(_ERROR_NAMES.values())
)


def render_client(ir: ApiIR, *, models_module: str = ".models") -> str:
    """Source of the client module for ``ir``; models are imported from ``models_module``."""
    names = Names(_CLIENT_NAMES | {f"Status{s}Error" for op in ir.operations for s, _ in op.errors})

    def content(ref: TypeRef) -> str:
        return "_model_content" if ref.model is not None else f"_content({names.adapter(ref)})"

    def path(op: Operation) -> str:
        params = {p.name: p.py_name for p in op.params if p.location == "path"}
        if not params:
            return _quote(op.path)
        escaped = op.path.replace("{", "{{").replace("}", "}}")
        for name, py_name in params.items():
            escaped = escaped.replace(f"{{{{{name}}}}}", f"{{_path({py_name})}}")
        return "f" + _quote(escaped)

    context = {
        "ir": ir,
        "models_module": models_module,
        "t": names.t,
        "validate": names.validate,
        "content": content,
        "path": path,
        "param_type": lambda p: param_type(names, p),
    }
    template = environment().get_template("client.py.j2")
    candidates = ["Any", "Literal", "Self", "TypeVar"]
    errors = _error_classes(ir, names)
    template.render(
        **context,
        imports=[],
        aliased=[],
        adapters=[],
        typing_imports=[],
        error_classes=errors,
        exports=[],
    )
    adapters = sorted(((v, k) for k, v in names.adapters.items()), key=lambda a: int(a[0][9:]))
    exports = [*_EXPORTS, *(name for _, name, _ in errors)]
    extra = {
        **names.imports(),
        "adapters": adapters,
        "error_classes": errors,
        "exports": sorted(exports, key=isort_key),
    }
    return template.render(**context, **extra, typing_imports=candidates)  # ruff drops unused


def _error_classes(ir: ApiIR, names: Names) -> list[tuple[int, str, str]]:
    """(status, class name, body annotation) per documented error status, in status order."""
    bodies: dict[int, set[str]] = {}
    for op in ir.operations:
        for status, kind in op.errors:
            bodies.setdefault(status, set()).add(names.t(kind) if kind is not None else "str")
    found = []
    for status, kinds in sorted(bodies.items()):
        name = _ERROR_NAMES.get(status, f"Status{status}Error")
        kinds.discard("str")
        # One documented model for the status across operations: say so in the annotation.
        body = f"{kinds.pop()} | str" if len(kinds) == 1 and "Any" not in kinds else "object"
        found.append((status, name, body))
    return found


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
