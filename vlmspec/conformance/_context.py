"""What every probe gets: a way to send requests and to record verdicts with a reproduction."""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ._blame import Recent, broken_connection
from ._clauses import Failure, Ledger
from ._http import Exchange, Transport
from ._redact import Redactor
from ._spec import Spec
from ._stream import Stream
from ._target import Target

__all__ = [
    "Context",
    "Control",
    "Settings",
    "Stopped",
    "media_problems",
    "openai_error",
    "refused_for_limits",
    "response_problems",
]

_ACCEPTED = (200, 201)
_LIMITS = {401: "an auth answer (401)", 429: "a limit answer (429)"}


class Stopped(Exception):
    """The run stopped sending (budget, --max-time, a dead server, Ctrl-C): what a task had not
    sent yet is not judged, never a failure."""


class Control:
    """Run-wide stop state shared by every task: a reason once the run must stop sending."""

    def __init__(self, deadline: float | None = None, max_time: float | None = None) -> None:
        self.deadline = deadline
        self.max_time = max_time
        self.reason: str | None = None
        self.recent = Recent()
        self._latencies: list[float] = []  # of answered requests, for timeout diagnoses
        self._lock = threading.Lock()

    def answered(self, seconds: float) -> None:
        with self._lock:
            if len(self._latencies) < 10_000:
                self._latencies.append(seconds)

    def timeout_hint(self) -> str:
        """What a timeout message adds: the server's typical latency and the flag to raise."""
        with self._lock:
            known = sorted(self._latencies)
        if not known:
            return "; no request was answered yet: raise --timeout if the server is only slow"
        median = known[len(known) // 2]
        return (
            f"; answered requests took {median:.2f}s (median), {known[-1]:.2f}s at most: "
            "raise --timeout if the server is only slow"
        )

    def stop(self, reason: str) -> None:
        with self._lock:
            self.reason = self.reason or reason

    def check(self) -> None:
        """Raise Stopped when the run must not send another request."""
        if self.reason is None and self.deadline is not None and time.monotonic() > self.deadline:
            self.stop(f"--max-time {self.max_time:g}s reached")
        if self.reason is not None:
            raise Stopped(self.reason)


@dataclass(frozen=True)
class Settings:
    """Knobs of one run that probes read."""

    seed: int
    max_tokens: int = 16
    format_tokens: int = 64
    model: str | None = None
    deterministic: bool = False
    fuzz_cases: int = 20
    negative_cases: int = 20
    coverage_cases: int = 40
    property_cases: int = 4
    accept_openai_errors: bool = False
    target: str = "vlmrun"  # the API pack set the server claims (`--target`)
    out_of_scope_fields: frozenset[str] = frozenset()

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
        control: Control | None = None,
    ) -> None:
        self.task = task
        self.spec = spec
        self.target = target
        self.transport = transport
        self.ledger = ledger
        self.redactor = redactor
        self.settings = settings
        self.control = control or Control()
        self.requests = 0
        self.label = ""  # which generated case is being judged, for the failure report
        self.rng = random.Random(f"{settings.seed}:{task}")
        # the task's last exchange only: keeping every one held up to 4 MiB per request in memory
        self.last_sent: Exchange | None = None

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
        """POST a chat completion; ``auth``: True the run's token, False none, str that token.

        Raises Stopped when the run stopped sending: the caller's remaining checks are unjudged.
        """
        self.control.check()
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
        previous = self.control.recent.swap(exchange)
        if broken_connection(exchange) and previous is not None:
            exchange = self._blame(exchange, previous)
        problems = response_problems(self.spec, exchange, self.settings)
        if exchange.status is not None and exchange.error is None:
            self.control.answered(exchange.elapsed)
        elif (
            "timeout" in (exchange.error or "")
            and problems
            and "raise --timeout" not in problems[0]
        ):
            # the transport's own diagnosis (preflight latency) comes first; this adds the run's
            problems[0] += self.control.timeout_hint()
        self.judge("response-schema", problems, exchange, check="documented-response")
        self.last_sent = exchange
        return exchange

    def _blame(self, broken: Exchange, previous: Exchange) -> Exchange:
        """Send ``broken``'s request again, alone: answered, the error was not its own."""
        retry = self.transport.send(
            broken.method,
            broken.url,
            json_body=broken.body,
            raw_body=broken.raw_body,
            headers=broken.headers,
        )
        self._count(retry)
        if retry.status is None:
            return broken  # reproducible on its own: the failure is this request's
        if previous.status is not None and previous.status >= 500:
            self.judge(
                "response-schema",
                [
                    f"the connection broke after this HTTP {previous.status} answer: the next "
                    f"request on it failed ({broken.error}) and succeeded when sent again"
                ],
                previous,
                check="connection-after-answer",
            )
        else:
            self.skip(
                "response-schema",
                f"a connection error that did not recur when the request was sent again "
                f"({broken.error})",
            )
        return retry

    def get(self, url: str) -> Exchange:
        self.control.check()
        exchange = self.transport.send("GET", url)
        self._count(exchange)
        return exchange

    def _count(self, exchange: Exchange) -> None:
        if (exchange.error or "").startswith("not sent"):
            self.control.stop((exchange.error or "").removeprefix("not sent: "))
            raise Stopped(exchange.error)
        self.requests += 1

    def judge(
        self,
        clause: str,
        problems: list[str],
        exchange: Exchange | None,
        *,
        check: str = "",
    ) -> bool:
        """Record one judged check of ``clause``: passed when ``problems`` is empty."""
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
        failure = Failure(message, case, curl, response, check=check or clause, task=self.task)
        self.ledger.failed(clause, failure)
        return False

    def skip(self, clause: str, reason: str) -> None:
        """Record one check of ``clause`` that could not judge its property, and why."""
        self.ledger.unjudged(clause, reason)

    def served(self, clause: str, exchange: Exchange, *, limits_ok: bool = True) -> bool:
        """Judge that ``exchange`` was accepted (the property of ``clause`` is being served).

        A documented auth/limit answer (401/429) neither passes nor fails it: not judged.
        """
        if exchange.error is not None and exchange.status is None:
            return self.judge(clause, [exchange.error], exchange, check="served")
        if exchange.status in _ACCEPTED:
            return self.judge(clause, [], exchange, check="served")
        if refused_for_limits(exchange) and limits_ok:
            self.skip(clause, f"answered with {_LIMITS[exchange.status or 0]}")
            return False
        detail = self.redactor.quote(exchange.content)
        return self.judge(
            clause,
            [f"valid request not served: HTTP {exchange.status} {detail}"],
            exchange,
            check="served",
        )

    def gate(self, clauses: tuple[str, ...] | str, exchange: Exchange) -> bool:
        """Whether a reply to a valid request can be judged for ``clauses``: served (2xx).

        Being served is not what these clauses are about, so it never counts as their pass; a
        refusal (4xx/5xx other than 401/429) is their failure, anything else is not judged.
        """
        names = (clauses,) if isinstance(clauses, str) else clauses
        if exchange.status in _ACCEPTED:
            return True
        if exchange.status is None:
            reason = f"no response ({exchange.error or 'transport error'})"
        elif refused_for_limits(exchange):
            reason = f"answered with {_LIMITS[exchange.status]}"
        else:
            detail = exchange.content[:200].decode("utf-8", "replace")
            self.judge(
                names[0],
                [f"valid request not served: HTTP {exchange.status} {detail}"],
                exchange,
                check="served",
            )
            return False
        for name in names:
            self.skip(name, reason)
        return False

    def completion(
        self, clauses: tuple[str, ...] | str, exchange: Exchange
    ) -> dict[str, Any] | None:
        """The JSON completion of a served non-stream reply; None (not judged, with the reason)
        when it is not one: a refusal, a stream, a body that is not a JSON object."""
        names = (clauses,) if isinstance(clauses, str) else clauses
        if not self.gate(names, exchange):
            return None
        reason = None
        if exchange.content_type != "application/json":
            reason = f"reply is {exchange.content_type or 'untyped'!r}, not application/json"
        elif exchange.error:
            reason = f"reply incomplete ({exchange.error})"
        else:
            data = exchange.json()
            if isinstance(data, dict) and isinstance(data.get("choices"), list):
                return data
            reason = "reply is not a JSON completion with a choices list"
        for name in names:
            self.skip(name, reason)
        return None

    def stream_reply(self, clauses: tuple[str, ...] | str, exchange: Exchange) -> Stream | None:
        """The parsed event stream of a served `stream: true` reply; None (not judged) when the
        reply is not an event stream."""
        names = (clauses,) if isinstance(clauses, str) else clauses
        if not self.gate(names, exchange):
            return None
        if exchange.content_type != "text/event-stream":
            reason = f"reply is {exchange.content_type or 'untyped'!r}, not text/event-stream"
            for name in names:
                self.skip(name, reason)
            return None
        return self.stream_of(exchange)

    def stream_of(self, exchange: Exchange) -> Stream:
        return exchange.events()


def refused_for_limits(exchange: Exchange) -> bool:
    """A documented refusal that says nothing about the request's content: 429 (a limit), or
    401 to a request without a token (a guest refused). A 401 to the run's own token, which the
    server accepted before, is no such refusal (e.g. a session "expiring" mid-conversation)."""
    if exchange.status == 429:
        return True
    return exchange.status == 401 and "authorization" not in exchange.headers


def media_problems(exchange: Exchange) -> list[str]:
    """A served reply's media type follows the request's `stream` flag: absent or false →
    application/json, true → text/event-stream (OpenAI's contract; an SDK parses by the flag)."""
    body = exchange.body
    if exchange.status not in _ACCEPTED or not isinstance(body, dict):
        return []
    stream = body.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        return []  # an invalid flag: validation-rejects judges that request
    want = "text/event-stream" if stream else "application/json"
    if exchange.content_type == want:
        return []
    flag = "stream: true" if stream else "stream absent/false"
    return [f"{flag} answered with content type {exchange.content_type or '(none)'!r}, not {want}"]


def response_problems(
    spec: Spec, exchange: Exchange, settings: Settings | None = None
) -> list[str]:
    """What is wrong with a chat-completions response: status, content type, schema."""
    if exchange.status is None:
        return [exchange.error or "no response"]
    if settings is not None and settings.accept_openai_errors and openai_error(exchange):
        return []  # --target openai: OpenAI's own 4xx error answer is its contract
    documented = spec.documented(exchange.status)
    if documented is None:
        return [f"undocumented status {exchange.status}"]
    content = documented.get("content") or {}
    if not content:
        return media_problems(exchange)
    media = exchange.content_type
    if media_problems(exchange):
        return media_problems(exchange)
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
            found = spec.validate(component, _typed(event))
            problems += [f"event {index}: {p}" for p in found][:2]
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


def _typed(event: dict[str, str]) -> dict[str, Any]:
    """An event's fields as the schema types them: on the wire `retry` is ASCII digits (WHATWG:
    any other value is ignored by a client), the schema calls it an integer."""
    typed: dict[str, Any] = dict(event)
    retry = typed.pop("retry", None)
    if isinstance(retry, str) and retry.isascii() and retry.isdigit():
        typed["retry"] = int(retry)
    return typed


def openai_error(exchange: Exchange) -> bool:
    """OpenAI's own error answer: a 4xx JSON `{"error": {"message": ...}}`."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        return False
    body = exchange.json() if exchange.content_type == "application/json" else None
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("message"), str)


def _component(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""
