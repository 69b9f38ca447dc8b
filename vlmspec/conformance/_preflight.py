"""Before a run, 1-3 small requests catch the mistakes that would otherwise fail every clause
(a wrong base URL, a rejected token) and measure how long a small reply takes."""

from __future__ import annotations

import dataclasses
from typing import Any

from ._errors import ConfigError
from ._http import PREFLIGHT_TOKENS, Budget, Exchange, RateLimiter, Transport
from ._target import SERVE_BASE_URL, Target, shown_url

__all__ = ["preflight"]

_NO_ROUTE = (404, 405)
_MAX_CANDIDATES = 2  # with the first request, at most 3 in all


def preflight(target: Target, timeout: float, model: str | None = None) -> Target:
    """Raise ConfigError for an unusable target; else ``target`` with its measured latency."""
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": "Say hi."}],
        "max_tokens": PREFLIGHT_TOKENS,
    }
    if model:
        body["model"] = model
    # No waiting out a 429: the preflight checks the setup; --max-time starts after it
    transport = Transport(
        Budget(None),
        RateLimiter(None),
        timeout=timeout,
        connection=target.connection,
        retry_until=0.0,
    )
    try:
        exchange = _ask(transport, target.chat_url, target.token, body)
        if exchange.status is None and (exchange.error or "").startswith("cannot connect"):
            reason = (exchange.error or "").removeprefix("cannot connect: ")
            via = (
                f" through --proxy {shown_url(proxy)}" if (proxy := target.connection.proxy) else ""
            )
            raise ConfigError(f"cannot reach {target.shown()}{via}: {reason}")
        if exchange.status in _NO_ROUTE:
            raise ConfigError(_no_route(transport, target, body, exchange.status))
        credentials = bool(target.token) or "authorization" in target.connection.headers
        if exchange.status in (401, 403):
            raise ConfigError(_rejected(target, exchange.status, credentials))
        if exchange.status == 429 and not credentials:
            # a guest over its limit: every clause would be "not judged" until the limit resets
            raise ConfigError(_guest_limit(target, exchange))
    finally:
        transport.close()
    latency: float | None = None
    if exchange.error and "--timeout" in exchange.error:
        latency = float("inf")
    elif exchange.status is not None:
        latency = exchange.elapsed
    return dataclasses.replace(target, latency=latency)


def _ask(transport: Transport, url: str, token: str | None, body: dict[str, Any]) -> Exchange:
    headers = (
        {"authorization": f"Bearer {token}"} if token else {"x-browser-id": "vlmspec-preflight"}
    )
    return transport.send("POST", url, json_body=body, headers=headers)


def _no_route(transport: Transport, target: Target, body: dict[str, Any], status: int) -> str:
    """Why the base URL is wrong, naming one that answers when one of the usual ones does."""
    problem = (
        f"no chat completions route at --base-url {target.shown()} "
        f"(POST {target.shown(target.chat_url)} answered {status})"
    )
    for candidate in _candidates(target.base_url):
        exchange = _ask(transport, f"{candidate}/chat/completions", target.token, body)
        if exchange.status is not None and exchange.status not in _NO_ROUTE:
            return f"{problem}; use --base-url {target.shown(candidate)} (it answers)"
    return (
        f"{problem}; --base-url is what you hand the OpenAI SDK, e.g. {SERVE_BASE_URL} "
        "for vlmspec serve or https://api.vlm.run/v1/openai"
    )


def _candidates(base_url: str) -> list[str]:
    """The usual base URLs on the same server: with or without `/v1` and `/openai`."""
    scheme, _, rest = base_url.partition("://")
    host, slash, path = rest.partition("/")
    root = ("/" + path if slash else "").removesuffix("/openai").removesuffix("/v1")
    prefix = f"{scheme}://{host}"
    tried = {base_url}
    found = []
    for suffix in ("/v1/openai", "/v1", "/openai", ""):
        candidate = prefix + root + suffix
        if candidate not in tried:
            tried.add(candidate)
            found.append(candidate)
    return found[:_MAX_CANDIDATES]


def _guest_limit(target: Target, exchange: Exchange) -> str:
    retry = exchange.response_headers.get("retry-after", "")
    when = f" (Retry-After: {retry} s)" if retry.isdigit() else ""
    return (
        f"guest limit reached: POST {target.shown(target.chat_url)} answered 429{when} to a "
        "valid minimal request without a token; pass --token (or set $VLMRUN_API_KEY), or wait"
        " for the limit to reset (a restart of `vlmspec serve` resets its own)"
    )


def _rejected(target: Target, status: int, credentials: bool) -> str:
    if credentials:
        given = "--token" if target.token else "the Authorization --header"
        return (
            f"token rejected: POST {target.shown(target.chat_url)} answered {status} to a valid "
            f"minimal request (check {given}, $VLMRUN_API_KEY or $OPENAI_API_KEY)"
        )
    return (
        f"the server refuses guests: POST {target.shown(target.chat_url)} answered {status} to a "
        "valid minimal request without a token (pass --token or set $VLMRUN_API_KEY)"
    )
