"""Webhooks (OpenAPI 3.1 ``webhooks``): the same walk as operations with the roles swapped.

The API provider sends the webhook's request (its payload and parameters) to the consumer, who
receives it as a client receives a response: narrowing is safe, widening breaks receivers. The
consumer's reply (the webhook's ``responses``) is what the provider receives, so it is judged
like a request. There is no content negotiation: a new payload media type reaches receivers that
cannot read it, and a reply status the provider no longer documents may be taken as a failure.
"""

from __future__ import annotations

from typing import Any

from ._operations import (
    REQUEST_MEDIA,
    MediaRules,
    OperationDiff,
    _Operation,
    _operations,
)
from ._walk import Walker, mapping

__all__ = ["WebhookDiff"]


class WebhookDiff(OperationDiff):
    """Webhooks by name and method; rules on the payload are the response rules."""

    kind = "webhook"

    def collect(self, walker: Walker) -> dict[tuple[str, str], _Operation]:
        return _operations(walker, "webhooks")

    def name(self, key: tuple[str, str], path: str) -> str:
        return f"webhook {key[1].upper()} {path}"

    parameter_side = "response"  # the provider sends them: the consumer receives

    def parameter_added(self, param: dict[str, Any]) -> tuple[str, str]:
        return "webhook-parameter-added", "parameter now sent"

    def parameter_removed(self) -> tuple[str, str]:
        return "webhook-parameter-removed", "parameter no longer sent"

    def parameter_required(self, now: bool) -> tuple[str, str]:
        rule = f"webhook-parameter-made-{'required' if now else 'optional'}"
        return rule, "always sent" if now else "no longer always sent"

    def body(self, old_node: Any, new_node: Any) -> None:
        before = self.old.deref(old_node)[0] if old_node is not None else None
        after = self.new.deref(new_node)[0] if new_node is not None else None
        if before is None and after is None:
            return
        if after is None:
            self.emit("payload", "webhook-payload-removed", "payload no longer sent")
            return
        now = bool(after.get("required"))
        if before is None:
            # Receivers that got no body ignore one; its media types are not "new" to them.
            self.emit("payload", "webhook-payload-added", f"payload added ({_needed(now)})")
            return
        if bool(before.get("required")) != now:
            rule = f"webhook-payload-made-{_needed(now)}"
            self.emit("payload", rule, "always sent" if now else "no longer always sent")
        self.media("payload", before.get("content"), after.get("content"), _PAYLOAD_MEDIA)

    def responses(self, old_node: Any, new_node: Any) -> None:
        before, after = mapping(old_node), mapping(new_node)
        for status in sorted(before.keys() | after.keys()):
            part = f"reply {status}"
            if status not in before:
                self.emit(part, "webhook-reply-status-added", "reply status now accepted")
                continue
            if status not in after:
                self.emit(part, "webhook-reply-status-removed", "reply status no longer accepted")
                continue
            old_reply, new_reply = (
                self.old.deref(before[status])[0],
                self.new.deref(after[status])[0],
            )
            self.media(part, old_reply.get("content"), new_reply.get("content"), REQUEST_MEDIA)

    def security(self, old_op: dict[str, Any], new_op: dict[str, Any]) -> None:
        """Not compared: a webhook's ``security`` says how the provider calls the consumer."""


# The payload is what the consumer receives: judged like a response.
_PAYLOAD_MEDIA = MediaRules(
    "response",
    ("webhook-payload-media-type-removed", "media type no longer sent"),
    ("webhook-payload-media-type-added", "media type may now be sent"),
)


def _needed(required: bool) -> str:
    return "required" if required else "optional"
