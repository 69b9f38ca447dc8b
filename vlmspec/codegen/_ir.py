"""The operations of an OpenAPI document, reduced to what the server and client templates need.

Public entry point: ``build_ir(document, *, service_name=None) -> ApiIR``. Names come from the
document: the service Protocol from ``info.title`` (unless configured), methods from
``operationId`` (never from `summary`, so editing prose never renames a method). Operations the
generators cannot serve (e.g. multipart bodies, binary responses) land in ``ApiIR.skipped`` with
a reason instead of failing the whole document; webhooks are listed in ``ApiIR.webhooks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ._invalid import Invalid, invalid_plan, rejection_plan
from ._ir_types import Param, TypeRef, identifier, json_media_type, params, py_type, resolve

__all__ = [
    "ApiIR",
    "Body",
    "Invalid",
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
    # OpenAI's dialect: the document speaks of `data: [DONE]` somewhere, so the server ends
    # streams with it even where this operation does not say so (its SDKs stop on it); the
    # client stops on it too but, the spec not promising it here, does not require it.
    sends_done: bool = False

    @property
    def sent_terminator(self) -> str | None:
        """What the server sends last."""
        return self.terminator or ("[DONE]" if self.sends_done else None)


@dataclass(frozen=True)
class Operation:
    name: str  # Python method name: snake_case(operationId), FastAPI's route suffix dropped
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
    invalid: Invalid | None = None  # the documented answer to a refused request (else FastAPI's)
    # The documented answers to a request refused for its credentials (401) or size (413)
    rejections: tuple[tuple[int, Invalid], ...] = ()

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
    webhooks: tuple[Skipped, ...]  # (method, name, what its payload is): models only, not served
    validation_item: str | None  # model of one 422 `detail` item (FastAPI's ValidationError)


def build_ir(document: Mapping[str, Any], *, service_name: str | None = None) -> ApiIR:
    """Reduce ``document`` (a validated OpenAPI 3.x mapping) to the generators' model."""
    info = document.get("info") or {}
    title = str(info.get("title", "API"))
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
    if any(op.stream is not None for op in operations) and _dialect_done(document):
        operations = [
            replace(op, stream=replace(op.stream, sends_done=True)) if op.stream else op
            for op in operations
        ]
    return ApiIR(
        title=title,
        version=str(info.get("version", "")),
        service_name=service_name or _service_name(title),
        operations=tuple(operations),
        skipped=tuple(skipped),
        webhooks=_webhooks(document),
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
                terminator = media_object.get("x-stream-terminator", terminator)
                if terminator is None and _mentions_done(document, raw):
                    terminator = _DONE
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
    bearer_required = bool(security) and all(
        req and set(req) <= bearer for req in security if isinstance(req, dict)
    )
    documented = raw.get("responses") or {}
    rejected = [401] if bearer_required else []
    rejected += [413] if body is not None and body.max_bytes is not None else []
    plans = ((status, rejection_plan(document, documented, status)) for status in rejected)
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
        bearer_required=bearer_required,
        invalid=invalid_plan(document, documented),
        rejections=tuple((status, plan) for status, plan in plans if plan is not None),
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
    """Method names from operationId alone, unique, never shadowing a client attribute."""
    names: list[str] = []
    for raw, op in found:
        name = _method_name(op, has_id=bool(raw.get("operationId")))
        while name in names or f"{name}_stream" in names or name in _RESERVED:
            name += "_"
        names.append(name)
    return [
        Operation(**{**op.__dict__, "name": n}) for (_, op), n in zip(found, names, strict=True)
    ]


def _method_name(op: Operation, *, has_id: bool) -> str:
    """snake_case(operationId); FastAPI's generated `<function>_<path>_<method>` → `<function>`."""
    if not has_id:
        return identifier(f"{op.method}_{op.path}")
    name = identifier(op.operation_id)
    suffix = f"_{identifier(op.path)}_{op.method.lower()}"
    if name.endswith(suffix) and len(name) > len(suffix):
        return name[: -len(suffix)]
    return name


def _service_name(title: str) -> str:
    """`Swagger Petstore` → `SwaggerPetstoreService`."""
    words = [w for w in identifier(title).split("_") if w]
    base = "".join(w[:1].upper() + w[1:] for w in words if w != "op") or "Api"
    base = base if base[0].isalpha() else f"Api{base}"
    return base if base.endswith("Service") else f"{base}Service"


_DONE = "[DONE]"


def _mentions_done(document: Mapping[str, Any], raw: Mapping[str, Any]) -> bool:
    """OpenAI's dialect: the operation or its `stream` flag says the stream ends `data: [DONE]`."""
    texts = [str(raw.get("description", ""))]
    body = resolve(document, raw.get("requestBody") or {})
    for media in (body.get("content") or {}).values():
        schema = resolve(document, (media or {}).get("schema") or {})
        flag = resolve(document, (schema.get("properties") or {}).get("stream") or {})
        texts.append(str(flag.get("description", "")) if isinstance(flag, dict) else "")
    return any(f"data: {_DONE}" in text for text in texts)


def _dialect_done(document: Mapping[str, Any]) -> bool:
    """Whether any description in the document says streams end with `data: [DONE]`."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            text = node.get("description")
            if isinstance(text, str) and f"data: {_DONE}" in text:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _webhooks(document: Mapping[str, Any]) -> tuple[Skipped, ...]:
    """Each webhook (OAS 3.1) as (method, name, payload): its models are generated, not served."""
    found: list[Skipped] = []
    for name, item in (document.get("webhooks") or {}).items():
        item = resolve(document, item)
        for method in _METHODS:
            raw = item.get(method) if isinstance(item, dict) else None
            if not isinstance(raw, dict):
                continue
            body = resolve(document, raw.get("requestBody") or {})
            content = body.get("content") or {}
            media = json_media_type(content)
            schema = content[media].get("schema") if media else None
            payload = py_type(document, schema).expr if schema else "no JSON payload"
            found.append(Skipped(method.upper(), str(name), f"payload {payload}"))
    return tuple(found)


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
