"""Keep secrets out of every output, and turn an exchange into a replayable curl command."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from ._http import Exchange

__all__ = ["Redactor"]

# Body keys whose values are credentials; `max_tokens` and `session_id` are not and stay readable.
_SECRET_KEY = re.compile(
    r"^(api[_-]?key|apikey|authorization|password|passwd|secret|access[_-]?token|"
    r"refresh[_-]?token|bearer|client[_-]?secret|x-api-key)$",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_MASK = "***"
_ANYWHERE = 12  # secrets this long are masked wherever they occur, even inside words
_SNIPPET = 2000


class Redactor:
    """Replaces known secrets (the token and any probe tokens) everywhere they could leak."""

    def __init__(self, *secrets: str | None) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if len(secret) >= _ANYWHERE:
                value = value.replace(secret, _MASK)
            else:
                # A short token is masked as a whole word only: "tok" must not mangle "max_tokens".
                pattern = rf"(?<![A-Za-z0-9_]){re.escape(secret)}(?![A-Za-z0-9_])"
                value = re.sub(pattern, _MASK, value)
        return _BEARER.sub(lambda m: m.group(1) + _MASK, value)

    def data(self, value: Any) -> Any:
        """A copy of a JSON value with secret-named keys masked and known secrets replaced."""
        if isinstance(value, dict):
            return {
                k: _MASK if isinstance(k, str) and _SECRET_KEY.match(k) else self.data(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def curl(self, exchange: Exchange, token: str | None) -> str:
        """A curl command reproducing ``exchange``; the run's token becomes $VLMRUN_API_KEY."""
        parts = ["curl", "-sS", "-X", exchange.method, shlex.quote(exchange.url)]
        for name, value in exchange.headers.items():
            if name == "user-agent":
                continue
            if name == "authorization":
                scheme, _, credential = value.partition(" ")
                shown = (
                    "$VLMRUN_API_KEY" if token and credential == token else self.text(credential)
                )
                parts += ["-H", f'"Authorization: {scheme} {shown}"']
                continue
            parts += ["-H", shlex.quote(f"{name}: {self.text(value)}")]
        if exchange.raw_body is not None:
            body = exchange.raw_body.decode("utf-8", "replace")
            parts += ["--data-binary", shlex.quote(self.text(_clip(body)))]
        elif exchange.body is not None:
            body = json.dumps(self.data(exchange.body), ensure_ascii=False)
            parts += ["--data-binary", shlex.quote(_clip(body))]
        return " ".join(parts)


def _clip(text: str) -> str:
    if len(text) <= _SNIPPET:
        return text
    return text[:_SNIPPET] + f"...(+{len(text) - _SNIPPET} chars)"
