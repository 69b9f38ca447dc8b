"""The deterministic backend: replies derived from the conversation, no model weights."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ._tokens import count_tokens, truncate_tokens

__all__ = [
    "DEFAULT_MODEL",
    "Choice",
    "Prior",
    "Said",
    "choices_for",
    "json_object_text",
    "last_user_text",
    "prompt_tokens",
    "reply_text",
]

DEFAULT_MODEL = "vlmrun-orion-1:auto"
"""The model echoed when a request names none (the vendor page's default)."""

_QUOTE_CHARS = 160
_MESSAGE_OVERHEAD = 3  # role and separators, as chat templates spend them


@dataclass(frozen=True)
class Prior:
    """What a session remembers before this turn."""

    turns: int = 0
    first_user_text: str | None = None
    previous_user_text: str | None = None


@dataclass(frozen=True)
class Choice:
    """One finished choice."""

    content: str
    finish_reason: str
    completion_tokens: int


@dataclass(frozen=True)
class Said:
    """One message, reduced to what the backend reads."""

    role: str
    text: str
    parts: tuple[str, ...] = ()  # types of the non-text content parts


def last_user_text(messages: Sequence[Said]) -> str:
    """Text of the last user message (empty when there is none)."""
    for message in reversed(messages):
        if message.role == "user":
            return message.text
    return ""


def prompt_tokens(messages: Sequence[Said]) -> int:
    """Tokens of the prompt: every text, one per non-text part, plus a per-message overhead."""
    return sum(_MESSAGE_OVERHEAD + count_tokens(m.text) + len(m.parts) for m in messages)


def _quote(text: str) -> str:
    # Only the start is ever shown: never split a multi-megabyte message to quote 160 characters.
    flat = " ".join(text[: _QUOTE_CHARS * 64].split())
    return flat if len(flat) <= _QUOTE_CHARS else flat[: _QUOTE_CHARS - 3] + "..."


def _attachments(messages: Sequence[Said]) -> str:
    counts: dict[str, int] = {}
    for message in messages:
        for kind in message.parts:
            label = kind.removesuffix("_url").removeprefix("input_")
            counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items()))


def reply_text(
    messages: Sequence[Said],
    model: str,
    prior: Prior,
    skills: Sequence[str] = (),
) -> str:
    """The reply for a conversation: it quotes the user and counts turns, so it is checkable."""
    said = last_user_text(messages)
    user_turns = sum(1 for m in messages if m.role == "user")
    turn = prior.turns + 1 if prior.turns else max(user_turns, 1)
    parts = [f"Turn {turn}.", f'You said: "{_quote(said)}".' if said else "You said nothing."]
    earlier = prior.first_user_text
    if earlier is None and user_turns > 1:
        earlier = next((m.text for m in messages if m.role == "user"), None)
    if earlier is not None and turn > 1:
        parts.append(f'Earlier you said: "{_quote(earlier)}".')
    if prior.previous_user_text is not None and prior.turns > 1:
        parts.append(f'Last time you said: "{_quote(prior.previous_user_text)}".')
    attached = _attachments(messages)
    if attached:
        parts.append(f"Attached: {attached}.")
    if skills:
        parts.append(f"Skills: {', '.join(skills)}.")
    parts.append(f"I am the vlmspec reference backend answering as {model}.")
    return " ".join(parts)


def json_object_text(reply: str, model: str) -> str:
    """The json_object answer: the reply wrapped in an object."""
    return json.dumps({"reply": reply, "model": model}, ensure_ascii=False)


def choices_for(
    text: str, n: int, max_tokens: int, temperature: float, is_json: bool
) -> list[Choice]:
    """The *n* choices for a reply, cut to *max_tokens* unless the reply is JSON.

    JSON content is never cut (a cut would not parse), so its finish_reason is always "stop";
    the vendor's own server does not honour max_tokens either (seed 004).
    """
    if temperature <= 0 or n == 1 or is_json:
        return [_choice(text, max_tokens, is_json)] * n  # identical choices: make one
    return [_choice(f"{text} (choice {i})", max_tokens, False) for i in range(n)]


def _choice(text: str, max_tokens: int, is_json: bool) -> Choice:
    content, cut = (text, False) if is_json else truncate_tokens(text, max_tokens)
    return Choice(content, "length" if cut else "stop", count_tokens(content))
