"""The deterministic backend, tokenizer, skills check and store."""

from __future__ import annotations

import asyncio
import base64
import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from vlmspec.refserver._backend import Prior, Said, choices_for, prompt_tokens, reply_text
from vlmspec.refserver._guests import GuestCounters
from vlmspec.refserver._owners import guest_of
from vlmspec.refserver._skills import SkillProblem, check_skills
from vlmspec.refserver._store import REPLY_CHARS, USER_TEXT_CHARS, SessionFull, Store
from vlmspec.refserver._tokens import count_tokens, split_tokens, truncate_tokens


@pytest.mark.parametrize(
    "text", ["", "Hello, world!", "  spaced   out  ", "naïve café — ok?", "a" * 50, "1.5e3 x"]
)
def test_tokens_split_and_truncate_consistently(text: str) -> None:
    total = count_tokens(text)
    assert "".join(split_tokens(text, 3)) == text
    for limit in range(total + 2):
        cut, was_cut = truncate_tokens(text, limit)
        assert text.startswith(cut)
        assert count_tokens(cut) == min(limit, total)
        assert was_cut == (limit < total)


def test_reply_is_derived_from_the_conversation() -> None:
    said = [Said("system", "Be brief."), Said("user", "What is 2+2?", ("image_url",))]
    first = reply_text(said, "m", Prior())
    assert first == reply_text(said, "m", Prior())
    assert "What is 2+2?" in first and "Turn 1." in first and "1 image" in first
    other = reply_text([Said("user", "Something else")], "m", Prior())
    assert other != first
    later = reply_text(
        said, "m", Prior(turns=2, first_user_text="hi there", previous_user_text="x")
    )
    assert "Turn 3." in later and "hi there" in later


def test_choices_are_cut_honestly_but_json_never() -> None:
    text = "one two three four five"
    (cut,) = choices_for(text, 1, 3, 0, False)
    assert (cut.content, cut.finish_reason, cut.completion_tokens) == ("one two three", "length", 3)
    (whole,) = choices_for(text, 1, 100, 0, False)
    assert (whole.finish_reason, whole.completion_tokens) == ("stop", 5)
    (json_choice,) = choices_for('{"a": 1}', 1, 1, 0, True)
    assert json_choice.content == '{"a": 1}' and json_choice.finish_reason == "stop"
    same = choices_for(text, 3, 100, 0, False)
    assert len({c.content for c in same}) == 1
    varied = choices_for(text, 3, 100, 0.7, False)
    assert len({c.content for c in varied}) == 3


def test_prompt_tokens_count_parts() -> None:
    assert prompt_tokens([Said("user", "a b", ("image_url", "file_url"))]) == 3 + 2 + 2


def _zip(names: list[str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "---\nname: x\n---\n")
    return base64.b64encode(buffer.getvalue()).decode()


def test_inline_skills_need_exactly_one_skill_md() -> None:
    check_skills([{"type": "inline", "source": {"data": _zip(["SKILL.md", "ref/a.csv"])}}])
    check_skills([{"type": "inline", "bundle": _zip(["skill/SKILL.md"])}])
    check_skills([{"type": "skill_reference", "skill_id": "pillow"}])
    cases: list[tuple[dict[str, Any], list[str | int]]] = [
        ({"type": "inline", "source": {"data": _zip([])}}, ["skills", 1, "source", "data"]),
        (
            {"type": "inline", "source": {"data": _zip(["SKILL.md", "b/SKILL.md"])}},
            ["skills", 1, "source", "data"],
        ),
        ({"type": "inline", "source": {"data": "not base64!"}}, ["skills", 1, "source", "data"]),
        (
            {"type": "inline", "source": {"data": base64.b64encode(b"PK junk").decode()}},
            ["skills", 1, "source", "data"],
        ),
        ({"type": "inline", "bundle": "QUJD"}, ["skills", 1, "bundle"]),
        ({"type": "inline"}, ["skills", 1, "source", "data"]),
        (
            {"type": "inline", "source": {"data": _zip(["SKILL.md"]), "media_type": "text/plain"}},
            ["skills", 1, "source", "media_type"],
        ),
    ]
    for skill, loc in cases:
        with pytest.raises(SkillProblem) as caught:
            check_skills([{"type": "skill_reference"}, skill])
        assert caught.value.loc == loc


def test_store_keeps_turns_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"

    async def first() -> None:
        store = Store(path)
        seen: list[Prior] = []

        def build(prior: Prior) -> str:
            seen.append(prior)
            return f"reply {prior.turns + 1}"

        replies = await asyncio.gather(
            *(store.append_turn("o", "s", f"msg {i}", build, str) for i in range(20))
        )
        assert sorted(replies) == sorted(f"reply {i}" for i in range(1, 21))
        assert [p.turns for p in seen] == list(range(20))
        store.close()

    async def second() -> None:
        store = Store(path)
        turns = await store.turns("o", "s")
        assert [t[0] for t in turns] == list(range(1, 21))
        assert await store.turns("other", "s") == []
        store.close()

    asyncio.run(first())
    asyncio.run(second())


def test_store_bounds_turns_sessions_text_and_age(tmp_path: Path) -> None:
    async def main() -> None:
        store = Store(tmp_path / "db.sqlite", max_turns=3, max_sessions=2, retention_days=1)
        priors: list[Prior] = []

        def build(prior: Prior) -> str:
            priors.append(prior)
            return "r" * 10_000

        for _ in range(3):
            await store.append_turn("o", "a", "x " * 1_000_000, build, str)
        with pytest.raises(SessionFull):
            await store.append_turn("o", "a", "more", build, str)
        stored = await store.turns("o", "a")
        assert max(len(u) for _, u, _ in stored) == USER_TEXT_CHARS
        assert max(len(r) for _, _, r in stored) == REPLY_CHARS
        assert priors[-1].first_user_text == ("x " * 256)[:USER_TEXT_CHARS]
        await store.append_turn("o", "b", "b", build, str)
        await store.append_turn("o", "c", "c", build, str)  # a third session drops the oldest
        assert await store.turns("o", "a") == []
        assert len(await store.turns("o", "b")) == 1
        await store.append_turn("p", "a", "another owner's", build, str)
        await store.expire(now=time.time() + 2 * 86_400)
        assert await store.turns("o", "c") == [] and await store.turns("p", "a") == []
        store.close()

    asyncio.run(main())


def test_guest_counters_limit_browsers_and_addresses() -> None:
    counters = GuestCounters(limit=2, address_limit=3)
    one, two = (
        guest_of({"x-browser-id": "1"}, "10.0.0.1"),
        guest_of({"x-browser-id": "2"}, "10.0.0.1"),
    )
    assert [counters.take(one) for _ in range(3)] == [True, True, False]
    assert [counters.take(two) for _ in range(2)] == [True, False]  # the address is used up
    elsewhere = guest_of({"x-browser-id": "2"}, "10.0.0.2")
    assert counters.take(elsewhere)
    assert one.owner != elsewhere.owner != two.owner
    assert "10.0.0.1" not in one.owner + one.browser + one.address
