"""Keep secrets out of every output, and turn an exchange into a replayable curl command."""

from __future__ import annotations

import base64
import json
import re
import shlex
from typing import Any
from urllib.parse import quote

from ._gateway import looks_secret
from ._http import Exchange

__all__ = ["Redactor"]

# Body keys whose values are credentials; `max_tokens` and `session_id` are not and stay readable.
_SECRET_KEY = re.compile(
    r"^(api[_-]?key|apikey|authorization|password|passwd|secret|access[_-]?token|"
    r"refresh[_-]?token|bearer|client[_-]?secret|x-api-key)$",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_USERINFO = re.compile(r"(?<=://)[^/?#@\s'\"]*@")
_MASK = "***"
_ANYWHERE = 12  # secrets this long are masked wherever they occur, even inside words
_SNIPPET = 2000
_QUOTE = 200  # at most this much of a server's response text is ever quoted
# A secret's transformed forms are matched on their "skeleton" (lower-case letters and digits
# only), so case changes, spacing, dashes and line breaks do not hide them. Forms shorter than
# this are matched only as whole words: too short to be told apart from ordinary text.
_SKELETON_MIN = 8
_OVERLAP = 8  # a token-like run sharing this many skeleton characters with a secret is masked
_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~+/=%-]{7,}")
_WITHHELD = "(response text withheld: it contains text resembling a secret)"


def _skeleton(text: str) -> tuple[str, list[int]]:
    """Lower-case letters and digits of ``text``, and where each one came from."""
    kept = [(i, c.lower()) for i, c in enumerate(text) if c.isascii() and c.isalnum()]
    return "".join(c for _, c in kept), [i for i, _ in kept]


def _base64_forms(secret: bytes) -> list[str]:
    """The part of base64(x + secret) that depends on the secret alone, for every alignment."""
    forms = []
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * pad + secret).decode()
            forms.append(encoded[(8 * pad + 5) // 6 : (8 * (pad + len(secret))) // 6])
    return forms


def _variants(secret: str) -> list[str]:
    """Skeletons of the ways a server may echo ``secret``: as is, reversed, base64, %-, hex."""
    raw = secret.encode()
    forms = [secret, secret[::-1], quote(secret, safe=""), raw.hex(), *_base64_forms(raw)]
    skeletons = {_skeleton(form)[0] for form in forms}
    return sorted((s for s in skeletons if len(s) >= _SKELETON_MIN), key=len, reverse=True)


class Redactor:
    """Replaces known secrets (the token and any probe tokens) everywhere they could leak,
    including transformed echoes (case, spacing, reversal, base64, %-encoding, hex)."""

    def __init__(self, *secrets: str | None) -> None:
        self._secrets: list[str] = []
        self._skeletons: list[str] = []
        self._grams: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or secret in self._secrets:
            return
        self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)
        for skeleton in _variants(secret):
            self._skeletons.append(skeleton)
            grams = range(len(skeleton) - _OVERLAP + 1)
            self._grams.update(skeleton[i : i + _OVERLAP] for i in grams)

    def text(self, value: str) -> str:
        value = self._exact(value)
        value = self._mask(value, self._spans(value))
        value = _USERINFO.sub(_MASK + "@", value)
        return _BEARER.sub(lambda m: m.group(1) + _MASK, value)

    def quote(self, content: bytes, limit: int = _QUOTE) -> str:
        """At most ``limit`` characters of a server's response, for a report; withheld entirely
        when it echoes anything resembling a secret (a transformed one may ride along)."""
        text = content[: limit * 4].decode("utf-8", "replace")[:limit]
        if self._exact(text) != text or self._spans(text):
            return _WITHHELD
        more = len(content) - len(text.encode())
        return self.text(text) + (f"…(+{more} bytes)" if more > 0 else "")

    def _exact(self, value: str) -> str:
        for secret in self._secrets:
            if len(secret) >= _ANYWHERE:
                value = re.sub(re.escape(secret), _MASK, value, flags=re.IGNORECASE)
            else:
                # A short token is masked as a whole word only: "tok" must not mangle "max_tokens".
                pattern = rf"(?<![A-Za-z0-9_]){re.escape(secret)}(?![A-Za-z0-9_])"
                value = re.sub(pattern, _MASK, value, flags=re.IGNORECASE)
        return value

    def _spans(self, value: str) -> list[tuple[int, int]]:
        """Where ``value`` holds a transformed secret, or a token-like run overlapping one."""
        if not self._skeletons:
            return []
        skeleton, where = _skeleton(value)
        spans = []
        for form in self._skeletons:
            start = skeleton.find(form)
            while start >= 0:
                spans.append((where[start], where[start + len(form) - 1] + 1))
                start = skeleton.find(form, start + 1)
        for run in _RUN.finditer(value):
            letters = _skeleton(run.group())[0]
            grams = (letters[i : i + _OVERLAP] for i in range(len(letters) - _OVERLAP + 1))
            if any(gram in self._grams for gram in grams):
                spans.append(run.span())
        return spans

    @staticmethod
    def _mask(value: str, spans: list[tuple[int, int]]) -> str:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in reversed(merged):
            value = value[:start] + _MASK + value[end:]
        return value

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
        parts = ["curl", "-sS", "-X", exchange.method, shlex.quote(self.text(exchange.url))]
        for name, value in exchange.headers.items():
            if name in ("user-agent", "accept-encoding"):
                continue
            if name == "authorization":
                scheme, _, credential = value.partition(" ")
                shown = (
                    "$VLMRUN_API_KEY" if token and credential == token else self.text(credential)
                )
                parts += ["-H", f'"Authorization: {scheme} {shown}"']
                continue
            shown = _MASK if looks_secret(name) else self.text(value)
            parts += ["-H", shlex.quote(f"{name}: {shown}")]
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
