"""The hand checks behind bench/out/thirdparty.md: one plain request per clause, sent with httpx
(no vlmspec code involved), and what the third-party server answered. The truth column of the
table rests on these answers; rerunning prints them again for review.

Usage: python bench/_thirdparty_evidence.py --base-url http://127.0.0.1:PORT/v1 --model NAME
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Evidence", "collect"]

Send = Callable[..., httpx.Response]


@dataclass(frozen=True)
class Evidence:
    """What one hand-sent request showed, for one clause."""

    clause: str
    request: str
    answer: str


def _short(response: httpx.Response, limit: int = 220) -> str:
    kind = response.headers.get("content-type", "-")
    text = response.text.replace("\n", "\\n")
    text = text if len(text) <= limit else text[:limit] + "..."
    return f"{response.status_code} {kind}: {text}"


def _events(response: httpx.Response) -> list[str]:
    return [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]


def _stream_facts(response: httpx.Response) -> dict[str, Any]:
    events = _events(response)
    chunks = [json.loads(e) for e in events if e != "[DONE]"]
    choices = [c for chunk in chunks for c in chunk.get("choices", [])]
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "events": len(events),
        "last_event_is_DONE": bool(events) and events[-1] == "[DONE]",
        "ids": sorted({chunk.get("id") for chunk in chunks}),
        "first_delta": choices[0].get("delta") if choices else None,
        "finish_reasons": [c["finish_reason"] for c in choices if c.get("finish_reason")],
        "content": "".join((c.get("delta") or {}).get("content") or "" for c in choices),
        "usage_on_last_chunk": chunks[-1].get("usage") if chunks else None,
    }


def collect(base_url: str, model: str, token: str = "vlmspec-invalid-token") -> list[Evidence]:
    """Send the hand checks to ``base_url`` (the OpenAI SDK base URL) and record the answers."""
    root = base_url.rstrip("/")
    chat = f"{root}/chat/completions"
    found: list[Evidence] = []
    hello = {"model": model, "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 16}
    _keepalive_after_500(chat, hello, found)
    # One connection per request, as curl sends them: see _keepalive_after_500 for why.
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(timeout=120, limits=no_reuse) as client:

        def post(clause: str, body: Any, note: str, **headers: str) -> httpx.Response:
            response = client.post(chat, json=body, headers=headers)
            found.append(Evidence(clause, f"{note}: {json.dumps(body)[:160]}", _short(response)))
            return response

        # the VLM Run route (base without /openai, + /health), then the server's own root route
        for url in (f"{root.removesuffix('/openai')}/health", f"{root.rsplit('/', 1)[0]}/health"):
            response = client.get(url)
            found.append(Evidence("health", f"GET {url}", _short(response, 80)))
        post("response-schema", {**hello, "messages": "not a list"}, "invalid messages")
        post("response-schema", hello, "a valid body")
        streamed = client.post(chat, json={**hello, "stream": True, "temperature": 0})
        facts = _stream_facts(streamed)
        found.append(Evidence("stream-framing", "stream: true", json.dumps(facts)))
        found.append(Evidence("stream-consistency", "stream: true (same reply)", json.dumps(facts)))
        plain = client.post(chat, json={**hello, "temperature": 0}).json()
        same = plain["choices"][0]["message"]["content"] == facts["content"]
        found.append(
            Evidence(
                "stream-equivalence",
                "same body, stream true vs false, temperature 0",
                f"non-stream {plain['choices'][0]['message']['content']!r}, "
                f"stream {facts['content']!r}, equal: {same}",
            )
        )
        post("n-choices", {**hello, "n": 3}, "n: 3")
        found.append(Evidence("usage", "the valid body above", json.dumps(plain.get("usage"))))
        schema = {"type": "object", "required": ["name"]}
        fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema}}
        post("response-format", {**hello, "response_format": fmt}, "json_schema requiring name")
        json_object = {"type": "json_object"}
        post("response-format", {**hello, "response_format": json_object}, "json_object")
        post("validation-rejects", {**hello, "messages": [7]}, "a message that is a number")
        post("validation-rejects", {**hello, "max_tokens": "many"}, "max_tokens a string")
        post("validation-rejects", {"model": model}, "no messages at all")
        wizard = [{"role": "wizard", "content": "Hello."}]
        post("validation-rejects", {**hello, "messages": wizard}, "role outside the enum")
        post("validation-rejects", {**hello, "n": 0}, "n: 0 (minimum 1)")
        image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
        post(
            "validation-accepts",
            {**hello, "messages": [{"role": "user", "content": [image]}]},
            "an image_url part (text-only model)",
        )
        post("validation-accepts", {**hello, "preview": ["preview.image"]}, "VLM Run `preview`")
        bearer = f"Bearer {token}"
        post("auth-invalid-token", hello, bearer, authorization=bearer)
        post("auth-anonymous", hello, "no Authorization header")
        skill = {"type": "skill_reference", "skill_id": "pillow", "skill_version": "latest"}
        post("skills", {**hello, "skills": [skill]}, "a skill reference")
        post("extensions", {**hello, "vlmrun": {"metadata": {}}}, "unknown field `vlmrun`")
        post("session-continuity", {**hello, "session_id": "s-1"}, "session_id")
    return found


def _keepalive_after_500(chat: str, hello: dict[str, Any], found: list[Evidence]) -> None:
    """An invalid body, then a valid one on the same keep-alive connection, five times: after
    a 500 the server may close the connection, and the next request on it is then reset."""
    outcomes: list[str] = []
    for _ in range(5):
        with httpx.Client(timeout=120) as client:
            first = client.post(chat, json={**hello, "messages": "not a list"})
            try:
                outcomes.append(
                    f"{first.status_code} then {client.post(chat, json=hello).status_code}"
                )
            except httpx.TransportError as exc:
                outcomes.append(f"{first.status_code} then {type(exc).__name__}: {exc}")
    request = "5 x (invalid body, then a valid one on the same keep-alive connection)"
    found.append(Evidence("response-schema", request, "; ".join(outcomes)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args(argv)
    for item in collect(args.base_url, args.model):
        print(f"[{item.clause}] {item.request}\n    -> {item.answer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
