"""The operations of an OpenAPI document, reduced to what the server and client templates need.

Public entry point: ``build_ir(document, *, service_name="ChatCompletionsService") -> ApiIR``.
Operations the generators cannot serve (e.g. multipart bodies, binary responses) land in
``ApiIR.skipped`` with a reason instead of failing the whole document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._ir_types import Param, TypeRef, identifier, json_media_type, params, py_type, resolve

__all__ = [
    "ApiIR",
    "Body",
    "Operation",
    "Param",
    "Response",
    "Skipped",
    "Stream",
    "TypeRef",
    "build_ir",
]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SSE = "text/event-stream"


@dataclass(frozen=True)
class Body:
    type: TypeRef
    required: bool
    max_bytes: int | None  # `x-max-body-bytes`
    stream_flag: str | None  # a boolean body property named `stream` selects SSE


@dataclass(frozen=True)
class Response:
    status: str  # as documented: "201", "4XX", "default"
    content_type: str | None
    type: TypeRef | None
    headers: tuple[str, ...]


@dataclass(frozen=True)
class Stream:
    status: int
    chunk: TypeRef
    terminator: str | None  # the `data:` value that ends the stream, e.g. "[DONE]"


@dataclass(frozen=True)
class Operation:
    name: str  # Python method name: snake_case(summary) when unique, else operationId
    operation_id: str
    method: str  # upper case
    path: str
    summary: str
    params: tuple[Param, ...]
    body: Body | None
    responses: tuple[Response, ...]
    json_status: int | None  # first documented 2xx with a JSON body
    json_type: TypeRef | None
    empty_status: int | None  # first documented 2xx without a body, when there is no JSON one
    stream: Stream | None
    errors: tuple[tuple[int, TypeRef | None], ...]  # documented 4xx/5xx statuses and bodies
    bearer_required: bool  # every security alternative needs a bearer token

    @property
    def stream_name(self) -> str:
        """Client method name of the streaming variant."""
        return f"{self.name}_stream" if self.json_type is not None else self.name


@dataclass(frozen=True)
class Skipped:
    method: str
    path: str
    reason: str


@dataclass(frozen=True)
class ApiIR:
    title: str
    version: str
    service_name: str
    operations: tuple[Operation, ...]
    skipped: tuple[Skipped, ...]
    validation_item: str | None  # model of one 422 `detail` item (FastAPI's ValidationError)


def build_ir(document: Mapping[str, Any], *, service_name: str = "ChatCompletionsService") -> ApiIR:
    """Reduce ``document`` (a validated OpenAPI 3.x mapping) to the generators' model."""
    info = document.get("info") or {}
    bearer = _bearer_schemes(document)
    default_security = document.get("security")
    found: list[tuple[dict[str, Any], Operation]] = []
    skipped: list[Skipped] = []
    for path, item in (document.get("paths") or {}).items():
        item = resolve(document, item)
        for method in _METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            built = _operation(document, path, method, item, raw, bearer, default_security)
            if isinstance(built, Skipped):
                skipped.append(built)
            else:
                found.append((raw, built))
    operations = _name_operations(found)
    return ApiIR(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        service_name=service_name,
        operations=tuple(operations),
        skipped=tuple(skipped),
        validation_item=_validation_item(document),
    )


def _operation(
    document: Mapping[str, Any],
    path: str,
    method: str,
    item: Mapping[str, Any],
    raw: Mapping[str, Any],
    bearer: frozenset[str],
    default_security: Any,
) -> Operation | Skipped:
    verb = method.upper()
    found_params = params(document, [*item.get("parameters", []), *raw.get("parameters", [])])
    body: Body | None = None
    if "requestBody" in raw:
        request_body = resolve(document, raw["requestBody"])
        content = request_body.get("content") or {}
        media = json_media_type(content)
        if media is None:
            kinds = ", ".join(sorted(content)) or "no media type"
            return Skipped(verb, path, f"request body media type {kinds} is not supported")
        schema = resolve(document, content[media].get("schema") or {})
        flag = schema.get("properties", {}).get("stream") if isinstance(schema, dict) else None
        is_flag = isinstance(flag, dict) and resolve(document, flag).get("type") == "boolean"
        limit = request_body.get("x-max-body-bytes", content[media].get("x-max-body-bytes"))
        body = Body(
            type=py_type(document, content[media].get("schema") or {}),
            required=bool(request_body.get("required", False)),
            max_bytes=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
            stream_flag="stream" if is_flag else None,
        )
    responses: list[Response] = []
    json_status = empty_status = None
    json_type: TypeRef | None = None
    stream: Stream | None = None
    unsupported: list[str] = []
    for status, value in (raw.get("responses") or {}).items():
        status = str(status)
        response = resolve(document, value)
        headers = tuple(sorted(response.get("headers") or {}))
        content = response.get("content") or {}
        success = status.isdigit() and 200 <= int(status) < 300
        if not content:
            responses.append(Response(status, None, None, headers))
            if success and empty_status is None:
                empty_status = int(status)
        for media, media_object in content.items():
            schema = media_object.get("schema", media_object.get("itemSchema")) or {}
            if media == _SSE:
                chunk, terminator = _stream_parts(document, schema)
                responses.append(Response(status, media, chunk, headers))
                if success and stream is None:
                    stream = Stream(int(status), chunk, terminator)
            elif json_media_type({media: None}) is not None:
                kind = py_type(document, schema)
                responses.append(Response(status, media, kind, headers))
                if success and json_type is None:
                    json_status, json_type = int(status), kind
            else:
                responses.append(Response(status, media, None, headers))
                if success:
                    unsupported.append(media)
    if json_type is None and stream is None and unsupported:
        kinds = ", ".join(sorted(set(unsupported)))
        return Skipped(verb, path, f"response media type {kinds} is not supported")
    errors = _errors(responses)
    security = raw.get("security", default_security) or []
    return Operation(
        name="",
        operation_id=str(raw.get("operationId") or f"{method}_{path}"),
        method=verb,
        path=path,
        summary=" ".join(str(raw.get("summary") or "").split()),
        params=found_params,
        body=body,
        responses=tuple(responses),
        json_status=json_status,
        json_type=json_type,
        empty_status=empty_status if json_type is None and stream is None else None,
        stream=stream,
        errors=errors,
        bearer_required=bool(security)
        and all(req and set(req) <= bearer for req in security if isinstance(req, dict)),
    )


def _errors(responses: list[Response]) -> tuple[tuple[int, TypeRef | None], ...]:
    """One body type per documented error status; JSON wins over other media types."""
    found: dict[int, TypeRef | None] = {}
    for response in responses:
        if response.status.isdigit() and int(response.status) >= 400:
            status = int(response.status)
            if found.get(status) is None and response.content_type != _SSE:
                found[status] = response.type
    return tuple(sorted(found.items()))


def _stream_parts(document: Mapping[str, Any], schema: Any) -> tuple[TypeRef, str | None]:
    """Chunk type and terminator of an SSE schema: `data` is JSON (contentSchema) or a const."""
    target = resolve(document, schema)
    data = target.get("properties", {}).get("data") if isinstance(target, dict) else None
    if not isinstance(data, dict):
        return py_type(document, schema), None  # the schema is the chunk itself (OpenAI style)
    chunk: TypeRef | None = None
    terminator: str | None = None
    for branch in [data, *data.get("anyOf", []), *data.get("oneOf", [])]:
        branch = resolve(document, branch)
        if "contentSchema" in branch and chunk is None:
            chunk = py_type(document, branch["contentSchema"])
        if isinstance(branch.get("const"), str) and terminator is None:
            terminator = branch["const"]
    return chunk or TypeRef("Any", (), None), terminator


def _name_operations(found: list[tuple[dict[str, Any], Operation]]) -> list[Operation]:
    """Method names: snake_case(summary) where that is short and unique, else of operationId."""
    from_summary = [identifier(op.summary) if _short(op.summary) else "" for _, op in found]
    counts = {name: from_summary.count(name) for name in from_summary}
    names: list[str] = []
    for (_, op), name in zip(found, from_summary, strict=True):
        if not name or counts[name] > 1:
            name = identifier(op.operation_id)
        while name in names or f"{name}_stream" in names or name in _RESERVED:
            name += "_"
        names.append(name)
    return [
        Operation(**{**op.__dict__, "name": n}) for (_, op), n in zip(found, names, strict=True)
    ]


def _short(summary: str) -> bool:
    """A title such as "Chat Completions", not a sentence."""
    return 0 < len(summary.split()) <= _MAX_NAME_WORDS and not summary.endswith(".")


_MAX_NAME_WORDS = 4
# Client attributes an operation method must not shadow.
_RESERVED = frozenset({"close", "aclose", "base_url"})


def _bearer_schemes(document: Mapping[str, Any]) -> frozenset[str]:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return frozenset(
        name
        for name, raw in schemes.items()
        if isinstance(raw, dict)
        and resolve(document, raw).get("type") == "http"
        and str(resolve(document, raw).get("scheme", "")).lower() == "bearer"
    )


def _validation_item(document: Mapping[str, Any]) -> str | None:
    """The model of one 422 detail item, when some operation documents FastAPI's 422 body."""
    for item in (document.get("paths") or {}).values():
        for method in _METHODS:
            raw = resolve(document, item).get(method)
            if not isinstance(raw, dict):
                continue
            response = resolve(document, (raw.get("responses") or {}).get("422") or {})
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            detail = resolve(document, schema or {}).get("properties", {}).get("detail", {})
            items = detail.get("items", {}) if isinstance(detail, dict) else {}
            kind = py_type(document, items) if "$ref" in items else None
            if kind is not None and kind.model is not None:
                return kind.model
    return None
