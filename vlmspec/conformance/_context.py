"""What every probe gets: a way to send requests and to record verdicts with a reproduction."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from ._clauses import Failure, Ledger
from ._http import Exchange, Transport
from ._redact import Redactor
from ._spec import Spec
from ._stream import Stream
from ._target import Target

__all__ = ["Context", "Settings", "response_problems"]

_ACCEPTED = (200, 201)


@dataclass(frozen=True)
class Settings:
    """Knobs of one run that probes read."""

    seed: int
    max_tokens: int = 16
    model: str | None = None
    deterministic: bool = False
    fuzz_cases: int = 20
    negative_cases: int = 20
    coverage_cases: int = 40
    property_cases: int = 4

    def cases_of(self, kind: str) -> int:
        """How many Schemathesis cases of ``kind`` the run sends (examples: one per example)."""
        counts = {"coverage": self.coverage_cases, "negative": self.negative_cases}
        return 0 if kind == "examples" else counts.get(kind, self.fuzz_cases)


class Context:
    """One task's view of a run: sends requests and records verdicts for its clauses."""

    def __init__(
        self,
        *,
        task: str,
        spec: Spec,
        target: Target,
        transport: Transport,
        ledger: Ledger,
        redactor: Redactor,
        settings: Settings,
    ) -> None:
        self.task = task
        self.spec = spec
        self.target = target
        self.transport = transport
        self.ledger = ledger
        self.redactor = redactor
        self.settings = settings
        self.requests = 0
        self.label = ""  # which generated case is being judged, for the failure report
        self.rng = random.Random(f"{settings.seed}:{task}")

    def pin(self, body: Any, max_tokens: int | None = None) -> Any:
        """A valid body with a small reply budget (and `--model`, when given)."""
        if isinstance(body, dict):
            body["max_tokens"] = max_tokens or self.settings.max_tokens
            if self.settings.model:
                body["model"] = self.settings.model
        return body

    def uuid(self) -> str:
        """A UUID derived from the seed, so a replay sends the same one."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def chat(
        self,
        body: Any,
        *,
        auth: bool | str = True,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """POST a chat completion; ``auth``: True the run's token, False none, str that token."""
        sent = dict(headers or {})
        token = self.target.token if auth is True else auth or None
        if token:
            sent["authorization"] = f"Bearer {token}"
        else:
            sent.setdefault("x-browser-id", f"vlmspec-{self.uuid()}")
        exchange = self.transport.send(
            "POST", self.target.chat_url, json_body=body, raw_body=raw, headers=sent
        )
        self._count(exchange)
        if exchange.error is None or exchange.status is not None:
            self.judge("response-schema", response_problems(self.spec, exchange), exchange)
        return exchange

    def get(self, url: str) -> Exchange:
        exchange = self.transport.send("GET", url)
        self._count(exchange)
        return exchange

    def _count(self, exchange: Exchange) -> None:
        if not (exchange.error or "").startswith("not sent"):
            self.requests += 1

    def judge(self, clause: str, problems: list[str], exchange: Exchange | None) -> bool:
        """Record one check of ``clause``: passed when ``problems`` is empty."""
        if not problems:
            self.ledger.passed(clause)
            return True
        message = self.redactor.text("; ".join(problems))
        curl = self.redactor.curl(exchange, self.target.token) if exchange else None
        response = None
        if exchange is not None and exchange.status is not None:
            response = f"HTTP {exchange.status}: {self.redactor.quote(exchange.content)}"
        label = f" {self.label}" if self.label else ""
        case = f"{self.task}{label} (seed {self.settings.seed})"
        self.ledger.failed(clause, Failure(message, case, curl, response))
        return False

    def served(self, clause: str, exchange: Exchange, *, limits_ok: bool = True) -> bool:
        """Judge that ``exchange`` was accepted; a documented limit (429) is inconclusive."""
        if exchange.error is not None:
            return self.judge(clause, [exchange.error], exchange)
        if exchange.status in _ACCEPTED:
            return self.judge(clause, [], exchange)
        if exchange.status == 429 and limits_ok:
            self.ledger.note(clause, "some requests met the documented 429 limit (not judged)")
            return False
        detail = self.redactor.quote(exchange.content)
        return self.judge(
            clause, [f"valid request not served: HTTP {exchange.status} {detail}"], exchange
        )

    def stream_of(self, exchange: Exchange) -> Stream:
        return exchange.events()


def response_problems(spec: Spec, exchange: Exchange) -> list[str]:
    """What is wrong with a chat-completions response: status, content type, schema."""
    if exchange.status is None:
        return [exchange.error or "no response"]
    documented = spec.documented(exchange.status)
    if documented is None:
        return [f"undocumented status {exchange.status}"]
    content = documented.get("content") or {}
    if not content:
        return []
    media = exchange.content_type
    if media not in content:
        return [
            f"HTTP {exchange.status} with content type {media or '(none)'!r}; "
            f"documented: {', '.join(content)}"
        ]
    component = _component(content[media].get("schema", {}))
    if media == "text/event-stream":
        problems = [exchange.error] if exchange.error else []
        stream = exchange.events()
        for index, event in enumerate(stream.events):
            if len(problems) >= 5:  # enough to judge; a flood of bad events must stay cheap
                break
            problems += [f"event {index}: {p}" for p in spec.validate(component, event)][:2]
        for index, chunk in enumerate(stream.chunks):
            if len(problems) >= 5:
                break
            if chunk is not None:
                found = spec.validate("ChatCompletionChunk", chunk)
                problems += [f"chunk {index}: {p}" for p in found][:2]
        return problems[:5]
    if exchange.error:
        return [exchange.error]
    body = exchange.json()
    if body is None and exchange.content.strip() != b"null":
        return [f"HTTP {exchange.status} body is not JSON: {exchange.content[:80]!r}"]
    return spec.validate(component, body) if component else []


def _component(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""
