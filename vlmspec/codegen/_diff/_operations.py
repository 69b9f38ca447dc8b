"""Walk both documents operation by operation: parameters, bodies, responses, security."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._model import Change
from ._schema import Finding, SchemaDiffer
from ._walk import Walker, mapping

__all__ = ["REQUEST_MEDIA", "RESPONSE_MEDIA", "MediaRules", "OperationDiff"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


_Operation = tuple[str, dict[str, Any], list[Any]]


def _operations(walker: Walker, where: str = "paths") -> dict[tuple[str, str], _Operation]:
    """(normalised path, method) → (path as written, operation, path-level parameters).

    ``where`` is ``paths``, or ``webhooks`` (OpenAPI 3.1), whose keys are names, not paths.
    """
    found = {}
    for path, item in mapping(walker.document.get(where)).items():
        item, _ = walker.deref(item)
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                key = (_TEMPLATE.sub("{}", str(path)), method)
                found[key] = (path, operation, _as_list(item.get("parameters")))
    return found


@dataclass(frozen=True)
class MediaRules:
    """How a `content` map is judged: by which side's rules, and the rule for each media type
    removed or added (rule id, message)."""

    side: str  # "request" (what the reader sends) or "response" (what it receives)
    removed: tuple[str, str]
    added: tuple[str, str]


REQUEST_MEDIA = MediaRules(
    "request",
    ("request-media-type-removed", "media type no longer accepted"),
    ("request-media-type-added", "media type now accepted"),
)
RESPONSE_MEDIA = MediaRules(
    "response",
    ("response-media-type-removed", "media type no longer sent"),
    ("response-media-type-added", "media type may now be sent"),
)


class OperationDiff:
    """Operations under ``paths``: the client sends requests, the server sends responses."""

    def __init__(self, old: Walker, new: Walker) -> None:
        self.old, self.new = old, new
        self.request = SchemaDiffer(old, new, "request")
        self.response = SchemaDiffer(old, new, "response")
        self.changes: list[Change] = []
        self.label = self.operation_id = ""

    def emit(self, part: str, rule: str, message: str, path: str = "") -> None:
        self.changes.append(Change(self.label, part, path, rule, message, self.operation_id))

    def emit_schema(self, part: str, findings: list[Finding]) -> None:
        for rule, path, message in findings:
            self.emit(part, rule, message, "$" + path)

    kind = "operation"
    """What the rules for a whole one added or removed are named after."""

    def collect(self, walker: Walker) -> dict[tuple[str, str], _Operation]:
        return _operations(walker)

    def name(self, key: tuple[str, str], path: str) -> str:
        return f"{key[1].upper()} {path}"

    def run(self) -> list[Change]:
        old_ops, new_ops = self.collect(self.old), self.collect(self.new)
        for key in sorted(old_ops.keys() | new_ops.keys()):
            before, after = old_ops.get(key), new_ops.get(key)
            current = after or before
            assert current is not None
            self.label = self.name(key, current[0])
            self.operation_id = str(current[1].get("operationId", ""))
            if before is None:
                self.emit("", f"{self.kind}-added", f"{self.kind} added")
            elif after is None:
                self.emit("", f"{self.kind}-removed", f"{self.kind} removed")
            else:
                self.parameters(before, after)
                self.body(before[1].get("requestBody"), after[1].get("requestBody"))
                self.responses(before[1].get("responses"), after[1].get("responses"))
                self.security(before[1], after[1])
        return self.changes

    # Parameters are what the reader sends: judged by the request rules (webhooks swap this).
    parameter_side = "request"

    def parameter_added(self, param: dict[str, Any]) -> tuple[str, str]:
        required = bool(param.get("required"))
        rule = "parameter-added-required" if required else "parameter-added-optional"
        return rule, f"parameter added ({'required' if required else 'optional'})"

    def parameter_removed(self) -> tuple[str, str]:
        return "parameter-removed", "parameter removed"

    def parameter_required(self, now: bool) -> tuple[str, str]:
        rule = "parameter-made-required" if now else "parameter-made-optional"
        return rule, rule.replace("-", " ")

    def parameters(self, old: _Operation, new: _Operation) -> None:
        (old_path, old_op, old_common), (new_path, new_op, new_common) = old, new
        before = _params(self.old, old_path, old_common, old_op.get("parameters"))
        after = _params(self.new, new_path, new_common, new_op.get("parameters"))
        walker = self.request if self.parameter_side == "request" else self.response
        for key in sorted(before.keys() | after.keys()):
            old_param, new_param = before.get(key), after.get(key)
            part = f"parameter {key[0]} {(new_param or old_param or {}).get('name', key[1])}"
            if old_param is None:
                self.emit(part, *self.parameter_added(new_param or {}))
            elif new_param is None:
                self.emit(part, *self.parameter_removed())
            else:
                was, now = bool(old_param.get("required")), bool(new_param.get("required"))
                if was != now:
                    self.emit(part, *self.parameter_required(now))
                found = walker.compare(_param_schema(old_param), _param_schema(new_param))
                self.emit_schema(part, found)

    def body(self, old_node: Any, new_node: Any) -> None:
        before = self.old.deref(old_node)[0] if old_node is not None else None
        after = self.new.deref(new_node)[0] if new_node is not None else None
        if before is None and after is None:
            return
        if after is None:
            self.emit("request", "request-body-made-optional", "request body removed")
            return
        now = bool(after.get("required"))
        if before is None:
            if now:
                self.emit("request", "request-body-made-required", "request body added (required)")
            before = {"content": {}}
        elif bool(before.get("required")) != now:
            rule = "request-body-made-required" if now else "request-body-made-optional"
            self.emit("request", rule, rule.replace("-", " "))
        self.media("request", before.get("content"), after.get("content"), REQUEST_MEDIA)

    def responses(self, old_node: Any, new_node: Any) -> None:
        before, after = mapping(old_node), mapping(new_node)
        for status in sorted(before.keys() | after.keys()):
            part = f"response {status}"
            old_resp = self.old.deref(before[status])[0] if status in before else None
            new_resp = self.new.deref(after[status])[0] if status in after else None
            if old_resp is None:
                self.emit(part, "response-status-added", "response status added")
                continue
            if new_resp is None:
                success = status.startswith("2")
                rule = "response-success-status-removed" if success else "response-status-removed"
                self.emit(part, rule, "response status removed")
                continue
            self.media(part, old_resp.get("content"), new_resp.get("content"), RESPONSE_MEDIA)
            self.headers(part, old_resp.get("headers"), new_resp.get("headers"))

    def headers(self, part: str, old_node: Any, new_node: Any) -> None:
        """A response's headers: what the client reads, judged like the response's body."""
        before = {str(k).lower(): v for k, v in mapping(old_node).items()}
        after = {str(k).lower(): v for k, v in mapping(new_node).items()}
        for name in sorted((before.keys() | after.keys()) - {"content-type"}):  # media: above
            where = f"{part} header {name}"
            old = self.old.deref(before[name])[0] if name in before else None
            new = self.new.deref(after[name])[0] if name in after else None
            was = isinstance(old, dict) and bool(old.get("required"))
            now = isinstance(new, dict) and bool(new.get("required"))
            if old is None:
                self.emit(where, "response-header-added", "header may now be sent")
            elif new is None:
                rule = "response-header-removed" if was else "response-optional-header-removed"
                self.emit(where, rule, "header no longer sent")
            else:
                if was != now:
                    made = "required" if now else "optional"
                    self.emit(where, f"response-header-made-{made}", f"header made {made}")
                found = self.response.compare(_param_schema(old), _param_schema(new))
                self.emit_schema(where, found)

    def media(self, part: str, old_content: Any, new_content: Any, rules: MediaRules) -> None:
        """Compare two `content` maps: each media type removed, added, or its schemas."""
        old_media, new_media = mapping(old_content), mapping(new_content)
        walker = self.request if rules.side == "request" else self.response
        for media in sorted(old_media.keys() | new_media.keys()):
            where = f"{part} {media}"
            if media not in new_media:
                self.emit(where, *rules.removed)
            elif media not in old_media:
                self.emit(where, *rules.added)
            else:
                for old_schema, new_schema in _schemas(old_media[media], new_media[media]):
                    self.emit_schema(where, walker.compare(old_schema, new_schema))

    def security(self, old_op: dict[str, Any], new_op: dict[str, Any]) -> None:
        before = _security(old_op, self.old.document)
        after = _security(new_op, self.new.document)
        for alternative in before:
            if not any(option <= alternative for option in after):
                self.emit(
                    "security",
                    "security-requirement-added",
                    f"calls with {_creds(alternative)} are no longer accepted "
                    f"(now: {' or '.join(_creds(a) for a in after)})",
                )
        for option in after:
            if not any(alternative <= option for alternative in before):
                self.emit(
                    "security",
                    "security-requirement-removed",
                    f"calls with {_creds(option)} are now accepted",
                )


def _params(
    walker: Walker, path: str, common: list[Any], own: Any
) -> dict[tuple[str, str], dict[str, Any]]:
    """Parameters by (in, name); path parameters by position, so renaming one is no change."""
    slots = {name: str(i) for i, name in enumerate(re.findall(r"\{([^}/]*)\}", path))}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for node in [*common, *_as_list(own)]:  # operation-level entries override path-level ones
        param = walker.deref(node)[0]
        where, name = str(param.get("in", "")), str(param.get("name", ""))
        if where == "path" and name in slots:
            name = "{" + slots[name] + "}"
        found[(where, name.lower() if where == "header" else name)] = param
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _param_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    media: Any = next(iter(mapping(param.get("content")).values()), None)
    return media.get("schema", {}) if isinstance(media, dict) else {}


def _schemas(old_media: Any, new_media: Any) -> Iterator[tuple[Any, Any]]:
    """``schema`` and, for sequential media (OpenAPI 3.2), ``itemSchema``."""
    old_media, new_media = mapping(old_media), mapping(new_media)
    for key in ("schema", "itemSchema"):
        if key in old_media or key in new_media:
            yield old_media.get(key, {}), new_media.get(key, {})


def _security(operation: dict[str, Any], document: dict[str, Any]) -> list[frozenset[str]]:
    """Alternatives (OR) of scheme sets (AND); the empty set means anonymous."""
    requirements = operation["security"] if "security" in operation else document.get("security")
    alternatives = []
    for requirement in _as_list(requirements) or [{}]:
        schemes: set[str] = set()
        for scheme, scopes in mapping(requirement).items():
            schemes.add(scheme)
            schemes.update(f"{scheme}:{scope}" for scope in _as_list(scopes))
        alternatives.append(frozenset(schemes))
    return sorted(set(alternatives), key=sorted)


def _creds(alternative: frozenset[str]) -> str:
    return " + ".join(sorted(alternative)) if alternative else "no credentials"
