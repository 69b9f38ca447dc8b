"""What a diff reports: the rule catalogue and one located, classified change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DIFF_RULES", "Change", "Rule", "Severity", "Status"]

Severity = Literal["breaking", "safe"]
Status = Literal["breaking", "accepted", "safe"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str


_B: Severity = "breaking"
_S: Severity = "safe"

# Requests and responses mirror each other: what narrows the set of values a server accepts
# breaks clients, what widens the set of values a server may send breaks clients.
_CATALOGUE = [
    ("operation-removed", _B, "An operation (method + path) was removed."),
    ("operation-added", _S, "A new operation (method + path)."),
    ("parameter-added-required", _B, "A new required parameter: existing calls lack it."),
    ("parameter-added-optional", _S, "A new optional parameter."),
    ("parameter-removed", _S, "A parameter was removed; servers ignore what they no longer read."),
    ("parameter-made-required", _B, "An optional parameter became required."),
    ("parameter-made-optional", _S, "A required parameter became optional."),
    ("request-body-made-required", _B, "The request body became required (or was added so)."),
    ("request-body-made-optional", _S, "The request body became optional, or was removed."),
    ("request-media-type-removed", _B, "The request body no longer accepts a media type."),
    ("request-media-type-added", _S, "The request body accepts a new media type."),
    ("response-success-status-removed", _B, "A 2xx response status was removed."),
    ("response-status-removed", _S, "A non-2xx (or default) response was removed."),
    ("response-status-added", _S, "A new response status (clients fall back on the class)."),
    ("response-media-type-removed", _B, "A response no longer comes in a media type."),
    ("response-media-type-added", _S, "A response may come in a new media type (negotiated)."),
    ("response-header-removed", _B, "A header a response always sent (required) is gone."),
    (
        "response-optional-header-removed",
        _S,
        "A header a response might send is gone: clients could not count on it.",
    ),
    ("response-header-added", _S, "A response sends a new header."),
    ("response-header-made-optional", _B, "A header a response always sent may now be missing."),
    ("response-header-made-required", _S, "A header a response might send is now always sent."),
    ("security-requirement-added", _B, "A way of calling that was accepted no longer is."),
    ("security-requirement-removed", _S, "A weaker way of calling (e.g. anonymous) is accepted."),
    ("request-property-added-required", _B, "A new required request property."),
    ("request-property-added-optional", _S, "A new optional request property."),
    (
        "request-property-removed-closed",
        _B,
        "A request property was removed and "
        "additionalProperties is false: sending it is now rejected.",
    ),
    (
        "request-property-removed",
        _S,
        "A request property was removed; additional properties are still accepted.",
    ),
    ("request-property-made-required", _B, "An optional request property became required."),
    ("request-property-made-optional", _S, "A required request property became optional."),
    ("request-enum-value-removed", _B, "A request enum (or const) value is no longer accepted."),
    ("request-enum-value-added", _S, "A request enum accepts a new value."),
    (
        "request-type-narrowed",
        _B,
        "A request schema accepts fewer values: a type, anyOf/oneOf "
        "branch or additional properties removed, or an enum/const added.",
    ),
    ("request-type-widened", _S, "A request schema accepts more values: a type or branch added."),
    ("request-nullable-removed", _B, "A request value may no longer be null."),
    ("request-nullable-added", _S, "A request value may now be null."),
    (
        "request-bound-tightened",
        _B,
        "A tighter request bound: minimum, maximum, length, items, pattern, format or multipleOf.",
    ),
    ("request-bound-loosened", _S, "A looser (or removed) request bound."),
    (
        "request-default-changed",
        _B,
        "A request default changed or was removed: calls that omit "
        "the value now behave differently.",
    ),
    ("request-default-added", _S, "A request value that had no default now documents one."),
    ("response-property-removed", _B, "A response property was removed."),
    ("response-property-made-optional", _B, "A required response property became optional."),
    ("response-property-added", _S, "A new response property."),
    ("response-property-made-required", _S, "An optional response property became required."),
    ("response-enum-value-added", _B, "A response enum (or const) may carry a new value."),
    ("response-enum-value-removed", _S, "A response enum no longer carries a value."),
    (
        "response-type-widened",
        _B,
        "A response schema allows more values: a type or branch "
        "added, an enum/const or additionalProperties: false dropped.",
    ),
    ("response-type-narrowed", _S, "A response schema allows fewer values."),
    ("response-nullable-added", _B, "A response value may now be null."),
    ("response-nullable-removed", _S, "A response value may no longer be null."),
    ("response-bound-loosened", _B, "A looser (or removed) response bound."),
    ("response-bound-tightened", _S, "A tighter response bound."),
    # Webhooks: the provider sends the payload and the consumer replies; their schemas are
    # judged with the response rules (payload) and the request rules (reply).
    ("webhook-removed", _B, "A webhook is no longer sent: receivers stop getting its events."),
    ("webhook-added", _S, "A new webhook (receivers subscribe to it)."),
    ("webhook-parameter-removed", _B, "A webhook parameter (e.g. header) is no longer sent."),
    ("webhook-parameter-made-optional", _B, "A webhook parameter is no longer always sent."),
    ("webhook-parameter-added", _S, "A webhook carries a new parameter."),
    ("webhook-parameter-made-required", _S, "A webhook parameter is now always sent."),
    ("webhook-payload-removed", _B, "A webhook no longer sends a payload."),
    ("webhook-payload-made-optional", _B, "A webhook payload is no longer always sent."),
    ("webhook-payload-added", _S, "A webhook that sent no payload now sends one."),
    ("webhook-payload-made-required", _S, "A webhook payload is now always sent."),
    (
        "webhook-payload-media-type-added",
        _B,
        "A webhook payload may come in a new media type; receivers cannot negotiate it away.",
    ),
    ("webhook-payload-media-type-removed", _S, "A webhook payload no longer comes in a type."),
    (
        "webhook-reply-status-removed",
        _B,
        "A reply status the consumer may send is no longer documented: it may count as failed.",
    ),
    ("webhook-reply-status-added", _S, "The provider documents a new reply status."),
]

DIFF_RULES: dict[str, Rule] = {rid: Rule(rid, sev, text) for rid, sev, text in _CATALOGUE}
"""Every rule the differ can fire, by id, in catalogue order."""


@dataclass(frozen=True, order=True)
class Change:
    """One difference: which rule, where (operation, part, JSON path) and a one-line message."""

    operation: str
    """``METHOD /path`` (the new path template when both sides have it)."""
    part: str
    """``request application/json``, ``response 200 application/json``, ``parameter header x``,
    ``security``, or empty for the operation itself."""
    path: str
    """JSON path of the value inside ``part`` (``$.messages[].content``), or empty."""
    rule: str
    message: str
    operation_id: str = ""
    accepted: bool = False
    """A breaking change listed in an accepted-changes file: shown, but it does not fail."""

    @property
    def severity(self) -> Severity:
        """``breaking`` or ``safe``, from the rule catalogue."""
        return DIFF_RULES[self.rule].severity

    @property
    def status(self) -> Status:
        """``breaking`` (fails the gate), ``accepted`` (breaking, deliberate) or ``safe``."""
        if self.severity == "breaking":
            return "accepted" if self.accepted else "breaking"
        return "safe"

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Breaking first, then accepted, then safe; then by place, so output is stable."""
        rank = ("breaking", "accepted", "safe").index(self.status)
        return (rank, self.operation, self.part, self.path, self.rule, self.message)
