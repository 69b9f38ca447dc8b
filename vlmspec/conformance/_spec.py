"""The bundled spec as the suite reads it: schemas to validate against, examples, statuses."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["CHAT_SUFFIX", "Spec", "load_spec", "schema_errors", "url_for"]

# OpenAI's contract: chat completions are `POST {base_url}/chat/completions`, whatever the base.
# The bundle says where the base is (its chat path minus this suffix); every other route's URL is
# resolved relative to it (`url_for`), never by editing the user's base URL by string.
CHAT_SUFFIX = "/chat/completions"
_URN = "urn:vlmspec:bundle"


@dataclass(frozen=True, eq=False)
class Spec:
    """One loaded bundle."""

    path: Path
    document: dict[str, Any]

    @functools.cached_property
    def digest(self) -> str:
        """Identifies the document's content (caches of generated cases are keyed by it)."""
        text = json.dumps(self.document, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @functools.cached_property
    def chat_path(self) -> str:
        """The bundle's chat-completions path (the POST operation ending in /chat/completions)."""
        paths = self.document.get("paths") or {}
        found = [
            path
            for path, item in paths.items()
            if str(path).endswith(CHAT_SUFFIX) and isinstance(item, dict) and "post" in item
        ]
        if len(found) != 1:
            raise ValueError(f"the spec {self.path} documents no single POST ...{CHAT_SUFFIX}")
        return str(found[0])

    @property
    def chat(self) -> dict[str, Any]:
        operation: dict[str, Any] = self.document["paths"][self.chat_path]["post"]
        return operation

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        """The bundle's operation ``method path``, or None when it declares none."""
        item = (self.document.get("paths") or {}).get(path)
        found = item.get(method.lower()) if isinstance(item, dict) else None
        return found if isinstance(found, dict) else None

    def url(self, base_url: str, path: str) -> str:
        """The URL of bundle route ``path`` on a server whose OpenAI-SDK base is ``base_url``."""
        return url_for(base_url, self.chat_path.removesuffix(CHAT_SUFFIX), path)

    @property
    def examples(self) -> dict[str, dict[str, Any]]:
        """The request examples by name (deep copies, safe to mutate)."""
        media = self.chat["requestBody"]["content"]["application/json"]
        found = media.get("examples", {})
        return {name: copy.deepcopy(item["value"]) for name, item in found.items()}

    def request_field(self, name: str) -> dict[str, Any]:
        """The schema of top-level request field ``name`` (refs resolved one level)."""
        body = self.chat["requestBody"]["content"]["application/json"]["schema"]
        body = self._resolve(body)
        found = body.get("properties", {}).get(name, {})
        return self._resolve(found) if isinstance(found, dict) else {}

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found: dict[str, Any] = self.document["components"]["schemas"][ref.rsplit("/", 1)[1]]
            return found
        return schema

    @functools.cached_property
    def n_max(self) -> int:
        """The bundle's upper bound on `n` (overlay 040-limits), 1 when it declares none."""
        schema = self.request_field("n")
        for option in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
            maximum = option.get("maximum") if isinstance(option, dict) else None
            if isinstance(maximum, int) and not isinstance(maximum, bool):
                return maximum
        return 1

    @property
    def max_body_bytes(self) -> int | None:
        value = self.chat["requestBody"].get("x-max-body-bytes")
        return value if isinstance(value, int) else None

    def documented(self, status: int) -> dict[str, Any] | None:
        """The response object documented for ``status`` on chat completions, or None."""
        responses: dict[str, Any] = self.chat["responses"]
        found = responses.get(str(status)) or responses.get(f"{status // 100}XX")
        return found or responses.get("default")

    def validate(self, component: str, instance: Any) -> list[str]:
        """Problems of ``instance`` against ``#/components/schemas/<component>`` (empty: valid)."""
        try:
            fast = _fast_validator(self, component)
            if fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):
            pass  # an instance the Rust validator cannot take (e.g. a huge integer)
        return _errors(_validator(self, component), instance)


@functools.cache
def _fast_validator(spec: Spec, component: str) -> Any:
    # The Rust validator answers "valid?" ~50x faster; the Python one words the problems.
    schema = {
        "$ref": f"#/components/schemas/{component}",
        "components": spec.document["components"],
    }
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)


@functools.cache
def _registry(spec: Spec) -> Registry[Any]:
    resource = Resource.from_contents(spec.document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_URN, resource)
    return registry


@functools.cache
def _validator(spec: Spec, component: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"{_URN}#/components/schemas/{component}"}
    return jsonschema.Draft202012Validator(schema, registry=_registry(spec))


def schema_errors(schema: Any, instance: Any) -> list[str]:
    """Problems of ``instance`` against a user-supplied JSON Schema (a bad schema is one)."""
    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        return _errors(cls(schema), instance)
    except jsonschema.SchemaError as exc:
        return [f"the supplied schema is invalid: {exc.message}"]


def _errors(validator: Any, instance: Any) -> list[str]:
    found = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))[:3]:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        message = error.message if len(error.message) < 200 else error.message[:197] + "..."
        found.append(f"at {where}: {message}")
    return found


def load_spec(path: Path) -> Spec:
    """Load the bundle at ``path``; raise ValueError with a one-line reason."""
    try:
        # The C loader (when libyaml is there) reads the bundle ten times faster.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read the spec {path}: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError(f"the spec {path} is not an OpenAPI document with paths")
    spec = Spec(path=path, document=document)
    spec.chat_path  # noqa: B018 - raises ValueError when the bundle has no chat operation
    return spec


def url_for(base_url: str, sdk_base: str, path: str) -> str:
    """Resolve bundle route ``path`` against a user's ``base_url``, which stands for the bundle's
    ``sdk_base`` (e.g. `/v1/openai`): the part of ``sdk_base`` beyond what it shares with
    ``path`` is dropped from the end of ``base_url`` when it is there (a server may mount the
    API elsewhere: `http://host/v1` for `/v1/openai`), then the rest of ``path`` is appended."""
    base_parts = [p for p in sdk_base.split("/") if p]
    path_parts = [p for p in path.split("/") if p]
    shared = 0
    while (
        shared < min(len(base_parts), len(path_parts)) and base_parts[shared] == path_parts[shared]
    ):
        shared += 1
    up = "/" + "/".join(base_parts[shared:]) if base_parts[shared:] else ""
    root = base_url.rstrip("/")
    if up and root.endswith(up):
        root = root[: -len(up)]
    return root + "/" + "/".join(path_parts[shared:])
