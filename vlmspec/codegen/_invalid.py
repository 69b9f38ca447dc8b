"""How a generated server answers a request it refuses before calling the service.

A bad body or parameter is answered with the status the operation documents for it: 422 if it
documents 422, else 400 if it documents 400, else 400 under a documented `4XX` range, else 400
under `default`, else FastAPI's 422. The body is the one documented for that status:

- FastAPI's `{"detail": [{loc, msg, type}, …]}` when that is what the schema is (an object whose
  `detail` is an array: this project's `HTTPValidationError`), when the schema admits any object,
  when the status documents no JSON body, or when nothing is documented;
- otherwise a body the implementer may build (`create_app(service, invalid_request=…)`), else a
  default filled here, at generation time, from the schema: `const`s and enums (one naming
  "invalid" preferred), the message in `detail`/`message`/…, the status in `status`/`code`,
  `title` "Invalid request", `type` "about:blank" (problem+json; else "invalid_request_error"),
  null for a nullable field, the other required fields with safe values, in a `oneOf` the
  branch that speaks of an invalid request. When no value can be
  chosen safely (a `pattern`, a string `format`, a required array of minimum size, …) there is
  no default, and the generated `create_app` refuses to start without `invalid_request`.

The generated server validates each default against the documented model when the app is built,
so a default the model refuses also fails at construction, never at request time.

A request refused for its credentials (401) or its size (413) is answered the same way, from the
response documented for that status, else `4XX`, else `default` (keeping the status); with none
of them, or FastAPI's own body documented, it is FastAPI's `{"detail": "..."}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._ir_types import ANNOTATION_KEYWORDS, TypeRef, json_media_type, py_type, resolve

__all__ = ["MESSAGE", "Invalid", "invalid_plan", "rejection_plan"]

# Stands for the one-line description of the errors in a default body; replaced at request time.
MESSAGE = "\x00message"
_MESSAGE_FIELDS = ("detail", "message", "error_description", "error_message", "msg", "description")
_STATUS_FIELDS = ("status", "status_code", "statusCode", "code", "http_status")
_INVALID_WORDS = ("invalid", "validation", "bad_request", "badrequest", "unprocessable")
_FORMATS = {
    "uri": "about:blank",
    "uri-reference": "about:blank",
    "iri": "about:blank",
    "iri-reference": "about:blank",
}


@dataclass(frozen=True)
class Invalid:
    """The documented answer to a refused request; ``type`` None: FastAPI's `detail` body."""

    status: int
    media: str
    type: TypeRef | None
    default: Any  # JSON value with MESSAGE where the description goes; None: none can be built
    schema_name: str  # for messages: the model's name or the type expression


class _CannotFill(Exception):
    pass


@dataclass(frozen=True)
class _Goal:
    status: int  # the status answered, for a `status`/`code` integer field
    problem: bool  # an `application/problem+json` body: `type` is a URI, "about:blank"


def invalid_plan(document: Mapping[str, Any], responses: Mapping[str, Any]) -> Invalid | None:
    """The answer to a refused request for an operation with ``responses``; None: FastAPI's 422."""
    keys = {str(k).upper(): k for k in responses}
    order = (("422", 422), ("400", 400), ("4XX", 400), ("DEFAULT", 400))
    found = next(((key, status) for key, status in order if key in keys), None)
    if found is None:
        return None
    key, status = found
    return _plan(document, responses[keys[key]], status)


def rejection_plan(
    document: Mapping[str, Any], responses: Mapping[str, Any], status: int
) -> Invalid | None:
    """The answer with ``status`` (401, 413) the responses document; None: FastAPI's detail."""
    keys = {str(k).upper(): k for k in responses}
    key = next((k for k in (str(status), "4XX", "DEFAULT") if k in keys), None)
    if key is None:
        return None
    plan = _plan(document, responses[keys[key]], status)
    return plan if plan is not None and plan.type is not None else None


def _plan(document: Mapping[str, Any], response: Any, status: int) -> Invalid | None:
    response = resolve(document, response)
    content = response.get("content") if isinstance(response, dict) else None
    media = json_media_type(content) if isinstance(content, dict) else None
    schema = (content or {}).get(media, {}).get("schema") if media else None
    if media is None or not isinstance(schema, dict) or _is_fastapi(document, schema):
        return None if status == 422 else Invalid(status, "application/json", None, None, "")
    if _is_open(document, schema):  # any object (or any value): FastAPI's body is valid too
        return (
            None
            if status == 422 and media == "application/json"
            else Invalid(status, media, None, None, "")
        )
    kind = py_type(document, schema)
    try:
        problem = media.split(";")[0].strip().lower().endswith("problem+json")
        default = _fill(document, schema, _Goal(status, problem), 0)
    except _CannotFill:
        default = None
    return Invalid(status, media, kind, default, kind.expr)


# Besides the annotations, `nullable`: a body that may be null still admits FastAPI's object.
_ANNOTATIONS = ANNOTATION_KEYWORDS | {"nullable"}


def _is_open(document: Mapping[str, Any], schema: Any) -> bool:
    """Whether ``schema`` admits any object: no keyword but annotations and `type: object`."""
    target = resolve(document, schema)
    if not isinstance(target, dict):
        return False
    rest = {k: v for k, v in target.items() if k not in _ANNOTATIONS and not k.startswith("x-")}
    if rest.get("additionalProperties") in (True, {}):
        del rest["additionalProperties"]
    return rest in ({}, {"type": "object"})


def _is_fastapi(document: Mapping[str, Any], schema: Any) -> bool:
    target = resolve(document, schema)
    detail = resolve(document, (target.get("properties") or {}).get("detail") or {})
    return isinstance(detail, dict) and detail.get("type") == "array"


def _text(document: Mapping[str, Any], schema: Any) -> str:
    """Names and values a branch is known by, to find the one about invalid requests."""
    parts = [str(schema.get("$ref", ""))] if isinstance(schema, dict) else []
    target = resolve(document, schema)
    if isinstance(target, dict):
        parts.append(str(target.get("title", "")))
        for prop in (target.get("properties") or {}).values():
            prop = resolve(document, prop)
            if isinstance(prop, dict):
                parts.append(str(prop.get("const", "")))
                parts.extend(str(v) for v in prop.get("enum") or [])
    return " ".join(parts).lower()


def _fill(document: Mapping[str, Any], schema: Any, goal: _Goal, depth: int, name: str = "") -> Any:
    if depth > 12:
        raise _CannotFill
    target = resolve(document, schema)
    if not isinstance(target, dict):
        raise _CannotFill
    if "const" in target:
        return target["const"]
    enum = target.get("enum")
    if isinstance(enum, list) and enum:
        fitting = [v for v in enum if any(w in str(v).lower() for w in _INVALID_WORDS)]
        return (fitting or enum)[0]
    if "not" in target:
        raise _CannotFill
    if isinstance(target.get("allOf"), list):
        merged: dict[str, Any] = {}
        for branch in target["allOf"]:
            value = _fill(document, branch, goal, depth + 1, name)
            if not isinstance(value, dict):
                raise _CannotFill
            merged.update(value)
        own = {k: v for k, v in target.items() if k != "allOf"}
        if "properties" in own or "required" in own:
            merged.update(_fill(document, own, goal, depth + 1, name))
        return merged
    branches = target.get("oneOf") or target.get("anyOf")
    if isinstance(branches, list) and branches:
        if name not in _MESSAGE_FIELDS and any(
            resolve(document, b) == {"type": "null"} for b in branches
        ):
            return None  # `anyOf: [X, {type: null}]`: null is the safe value
        ranked = sorted(
            range(len(branches)),
            key=lambda i: not any(w in _text(document, branches[i]) for w in _INVALID_WORDS),
        )
        for index in ranked:
            try:
                return _fill(document, branches[index], goal, depth + 1, name)
            except _CannotFill:
                continue
        raise _CannotFill
    kind = target.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if ("null" in kinds or target.get("nullable") is True) and name not in _MESSAGE_FIELDS:
        return None  # a nullable field: null meets whatever else the schema says
    if "object" in kinds or "properties" in target:
        return _object(document, target, goal, depth)
    if "string" in kinds:
        return _string(target, goal, name)
    if "integer" in kinds or "number" in kinds:
        if name in _STATUS_FIELDS and not {"minimum", "maximum", "enum", "multipleOf"} & set(
            target
        ):
            return goal.status
        return _number(target)
    if "boolean" in kinds:
        return False
    if "array" in kinds:
        if int(target.get("minItems", 0)) > 0:
            raise _CannotFill
        return []
    if "null" in kinds or target.get("nullable") is True:
        return None
    raise _CannotFill  # no type: nothing is known to be safe


def _object(document: Mapping[str, Any], target: dict[str, Any], goal: _Goal, depth: int) -> Any:
    properties = target.get("properties") or {}
    required = [r for r in target.get("required") or [] if isinstance(r, str)]
    wanted = list(required)
    for name in (*_MESSAGE_FIELDS[:2], "title", "status", "type"):
        if name in properties and name not in wanted:
            wanted.append(name)
    if int(target.get("maxProperties", len(wanted))) < len(wanted):
        wanted = required
    value: dict[str, Any] = {}
    for name in wanted:
        if name not in properties:
            if name in required:  # required but undescribed: only additionalProperties knows
                raise _CannotFill
            continue
        try:
            value[name] = _fill(document, properties[name], goal, depth + 1, name)
        except _CannotFill:
            if name in required:
                raise
    if len(value) < int(target.get("minProperties", 0)):
        raise _CannotFill
    return value


def _string(target: dict[str, Any], goal: _Goal, name: str) -> str:
    if "pattern" in target:
        raise _CannotFill
    fmt = target.get("format")
    if name == "type" and fmt is None and not goal.problem:
        value = "invalid_request_error"  # the word OpenAI's and Anthropic's errors use
    elif name == "type" and fmt in (None, *_FORMATS):
        value = "about:blank"  # problem+json's "no further type"
    elif fmt in _FORMATS:
        value = _FORMATS[fmt]
    elif fmt not in (None, "", "string"):
        raise _CannotFill
    elif name in _MESSAGE_FIELDS and "minLength" not in target and "maxLength" not in target:
        return MESSAGE
    elif name in _MESSAGE_FIELDS or name == "title":
        value = "Invalid request"
    else:
        value = "invalid"
    low, high = int(target.get("minLength", 0)), target.get("maxLength")
    if len(value) < low or (isinstance(high, int) and len(value) > high):
        raise _CannotFill
    return value


def _number(target: dict[str, Any]) -> int | float:
    low = target.get("minimum", target.get("exclusiveMinimum"))
    high = target.get("maximum", target.get("exclusiveMaximum"))
    if "multipleOf" in target or isinstance(target.get("exclusiveMinimum"), bool):
        raise _CannotFill
    value = 0 if low is None else int(low) + (1 if "exclusiveMinimum" in target else 0)
    if isinstance(low, bool) or isinstance(high, bool) or (high is not None and value > high):
        raise _CannotFill
    return value
