"""Targeted probes: validation, auth, skills, extensions and session continuity."""

from __future__ import annotations

import base64
import copy
import io
import secrets
import warnings
import zipfile
from typing import Any

from ._context import Context, refused_for_limits
from ._http import Exchange
from ._probes_core import reply_text, user_body

__all__ = [
    "MUTATIONS",
    "judge_rejected",
    "loc_problems",
    "openai_rejection",
    "probe_accepts",
    "probe_anonymous",
    "probe_extensions",
    "probe_invalid_token",
    "probe_rejects",
    "probe_session",
    "probe_skills",
]

Path = tuple[str | int, ...]

# (field path, invalid value): values no lenient parser coerces into the documented type.
MUTATIONS: tuple[tuple[Path, Any], ...] = (
    (("messages",), "not a list"),
    (("messages", 0), 7),
    (("messages", 0, "role"), "wizard"),
    (("messages", 0, "content"), 12.5),
    (("max_tokens",), "sixteen"),
    (("n",), 0),
    (("n",), 129),
    (("temperature",), "hot"),
    (("top_p",), [0.5]),
    (("stream",), "maybe"),
    (("top_k",), "many"),
    (("model",), {"name": "x"}),
    (("service_tier",), "turbo"),
    (("session_id",), {"id": 1}),
    (("metadata",), "tags"),
    (("toolsets",), ["no-such-toolset"]),
    (("models",), ["no-such-model"]),
    (("preview",), "everything"),
    (("skills",), "pillow"),
    (("response_format",), {"type": "xml"}),
)
_MISSING = object()


def _set(body: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(body)
    target: Any = mutated
    for key in path[:-1]:
        target = target[key]
    if value is _MISSING:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return mutated


def loc_problems(exchange: Exchange, path: Path) -> list[str]:
    """A 422 whose detail names ``path`` (after the leading "body"); else what is wrong."""
    if exchange.error and exchange.status is None:
        return [exchange.error]
    if exchange.status != 422:
        return [
            f"invalid `{'.'.join(map(str, path)) or 'body'}` got HTTP {exchange.status}, "
            "expected 422"
        ]
    body = exchange.json()
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list) or not detail:
        return ["422 without a non-empty `detail` list"]
    want = [str(part) for part in path]
    for error in detail:
        loc = error.get("loc") if isinstance(error, dict) else None
        if isinstance(loc, list) and loc and loc[0] == "body":
            got = [str(part) for part in loc[1:]]
            if got[: len(want)] == want or (not got and not want):
                return []
    locs = [e.get("loc") for e in detail if isinstance(e, dict)][:3]
    return [f"422 loc {locs} does not name the invalid field {['body', *path]}"]


def judge_rejected(ctx: Context, clause: str, exchange: Exchange, path: Path | None) -> None:
    """An invalid body must be rejected naming ``path``. A 429 (or a 401 to a request without
    a token) is the server refusing for another reason before looking at the body: not judged,
    never a pass. A 401 to the run's own token, accepted everywhere else, is a failure. With
    ``--target openai``, OpenAI's own answer (400 + `{"error": {...}}`) is accepted. ``path``
    None: any 422 (a generated body may be broken in several places)."""
    if refused_for_limits(exchange):
        ctx.skip(clause, f"invalid body answered with {exchange.status} (auth/limit), not judged")
        return
    if ctx.settings.accept_openai_errors and openai_rejection(exchange):
        ctx.judge(clause, [], exchange, check="rejects-invalid")
        return
    if path is None:
        problems = (
            []
            if exchange.status == 422
            else [f"a body invalid per the schema got HTTP {exchange.status}, expected 422"]
        )
    else:
        problems = loc_problems(exchange, path)
    ctx.judge(clause, problems, exchange, check="rejects-invalid")


def openai_rejection(exchange: Exchange) -> bool:
    """OpenAI's answer to an invalid body: 400 with `{"error": {"message": ...}}`."""
    if exchange.status != 400:
        return False
    body = exchange.json()
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("message"), str)


def probe_rejects(ctx: Context) -> None:
    """Each targeted mutation of a valid body gets 422 naming the broken field."""
    base = user_body(ctx, "Hello.", n=1)
    base["messages"][0]["content"] = "Hello."
    for path, value in MUTATIONS:
        if path[0] in ctx.settings.out_of_scope_fields:
            continue
        exchange = ctx.chat(_set(base, path, value))
        judge_rejected(ctx, "validation-rejects", exchange, path)
    exchange = ctx.chat(_set(base, ("messages",), _MISSING))
    judge_rejected(ctx, "validation-rejects", exchange, ("messages",))
    for raw in (b'{"messages": [', b"[1, 2]", b"\xff\xfe not json"):
        exchange = ctx.chat(None, raw=raw)
        judge_rejected(ctx, "validation-rejects", exchange, ())


def probe_accepts(ctx: Context) -> None:
    """Every request example of the spec is served."""
    for body in ctx.spec.examples.values():
        if ctx.settings.out_of_scope_fields & set(body):
            continue  # an extension the declared target does not claim
        ctx.served("validation-accepts", ctx.chat(ctx.pin(body)))


def probe_invalid_token(ctx: Context) -> None:
    """A made-up bearer token gets 401 — never guest service."""
    for token in ("vlmspec-invalid-" + secrets.token_hex(8), "sk-" + "0" * 32):
        exchange = ctx.chat(user_body(ctx), auth=token)
        if exchange.error and exchange.status is None:
            ctx.skip("auth-invalid-token", f"no response ({exchange.error})")
        elif exchange.status == 429:
            ctx.skip("auth-invalid-token", "answered with a limit answer (429)")
        elif exchange.status in (200, 201):
            ctx.judge(
                "auth-invalid-token",
                [f"an invalid token was served (HTTP {exchange.status}), expected 401"],
                exchange,
            )
        else:
            problems = (
                []
                if exchange.status == 401
                else [f"an invalid token got HTTP {exchange.status}, expected 401"]
            )
            ctx.judge("auth-invalid-token", problems, exchange)


def probe_anonymous(ctx: Context) -> None:
    """No Authorization header: served, or the documented 401/429."""
    for body in (user_body(ctx), user_body(ctx, "Stream hi.", stream=True)):
        exchange = ctx.chat(body, auth=False)
        if exchange.status in (401, 429):
            ctx.judge("auth-anonymous", [], exchange, check="documented-refusal")
        else:
            ctx.served("auth-anonymous", exchange, limits_ok=False)


def _zip(names: list[str]) -> str:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # a duplicate SKILL.md is the point of one probe
        for name in names:
            archive.writestr(name, "---\nname: probe\ndescription: A probe.\n---\n# Probe\n")
    return base64.b64encode(buffer.getvalue()).decode()


def _inline(data: str, *, legacy: bool = False) -> dict[str, Any]:
    skill: dict[str, Any] = {"type": "inline", "name": "probe", "description": "A probe."}
    if legacy:
        skill["bundle"] = data
    else:
        skill["source"] = {"type": "base64", "media_type": "application/zip", "data": data}
    return skill


def probe_skills(ctx: Context) -> None:
    """References and one-SKILL.md zips are served; zips without or with two SKILL.md get 422."""
    good = [
        {"type": "skill_reference", "skill_id": "pillow", "skill_version": "latest"},
        _inline(_zip(["SKILL.md", "notes.txt"])),
        _inline(_zip(["SKILL.md"]), legacy=True),
    ]
    for skill in good:
        ctx.served("skills", ctx.chat(user_body(ctx, "Use the skill.", skills=[skill])))
    for names in (["README.md"], ["SKILL.md", "SKILL.md"]):
        exchange = ctx.chat(user_body(ctx, "Use the skill.", skills=[_inline(_zip(names))]))
        judge_rejected(ctx, "skills", exchange, ("skills",))


def probe_extensions(ctx: Context) -> None:
    """The documented extension fields are accepted (served)."""
    examples = ctx.spec.examples
    extras: list[dict[str, Any]] = [
        examples.get("tools_and_models") or {},
        examples.get("session_and_metadata") or {},
        examples.get("input_file") or {},
        examples.get("media_urls") or {},
        user_body(ctx, "Preview all.", preview=True, service_tier="priority"),
        user_body(
            ctx,
            "Unknown fields.",
            vlmrun={"metadata": {"environment": "dev"}},
            x_vlmspec_probe={"nested": [1, 2]},
        ),
        user_body(
            ctx,
            "Nulls.",
            toolsets=None,
            models=None,
            preview=None,
            metadata=None,
            service_tier=None,
            skills=None,
            response_format=None,
            n=None,
        ),
    ]
    for body in extras:
        if body:
            ctx.served("extensions", ctx.chat(ctx.pin(body)))


def probe_session(ctx: Context) -> None:
    """Three turns sharing one session_id (the last streamed) all succeed."""
    session = ctx.uuid()
    messages: list[dict[str, Any]] = []
    for turn, text in enumerate(("My name is Ada.", "What is my name?", "Spell it.")):
        messages.append({"role": "user", "content": text})
        body = ctx.pin(
            {"messages": copy.deepcopy(messages), "session_id": session, "stream": turn == 2}
        )
        exchange = ctx.chat(body)
        if not ctx.served("session-continuity", exchange):
            return
        messages.append({"role": "assistant", "content": reply_text(ctx, exchange)})
