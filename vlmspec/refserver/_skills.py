"""Checks of inline skills: a base64 zip holding exactly one ``SKILL.md`` (vendor seed 000)."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SkillProblem", "check_skills", "skill_names", "skills_problem"]

_MEDIA_TYPE = "application/zip"


class SkillProblem(Exception):
    """An inline skill that cannot be used; ``loc`` names the field (after "body")."""

    def __init__(self, loc: list[str | int], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _skill_md_count(data: str) -> int | str:
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    try:
        # Only the central directory is read: nothing is extracted, so no zip bomb can go off.
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return "is not a zip archive"
    except Exception:  # zipfile raises assorted errors on hostile archives
        return "is not a readable zip archive"
    return sum(1 for name in names if name.rsplit("/", 1)[-1] == "SKILL.md")


def check_skills(skills: Sequence[Mapping[str, Any]] | None) -> None:
    """Raise SkillProblem for the first inline skill whose bundle is unusable."""
    for index, skill in enumerate(skills or ()):
        if skill.get("type") != "inline":
            continue  # references name stored skills; no lookup here
        source = skill.get("source")
        if isinstance(source, Mapping):
            loc: list[str | int] = ["skills", index, "source", "data"]
            data = source.get("data")
            media_type = source.get("media_type", _MEDIA_TYPE)
            if media_type != _MEDIA_TYPE:
                raise SkillProblem(
                    ["skills", index, "source", "media_type"], f"media_type must be {_MEDIA_TYPE!r}"
                )
        elif skill.get("bundle") is not None:
            loc, data = ["skills", index, "bundle"], skill.get("bundle")
        else:
            raise SkillProblem(
                ["skills", index, "source", "data"],
                "an inline skill needs source.data (or the legacy bundle field)",
            )
        if not isinstance(data, str):
            raise SkillProblem(loc, "must be a base64-encoded zip")
        found = _skill_md_count(data)
        if isinstance(found, str):
            raise SkillProblem(loc, f"the skill bundle {found}")
        if found != 1:
            raise SkillProblem(loc, f"the zip must hold exactly one SKILL.md (found {found})")


def skills_problem(
    skills: Sequence[Mapping[str, Any]] | None,
) -> tuple[list[str | int], str] | None:
    """``check_skills`` as a value (for a worker process): the problem's loc and message."""
    try:
        check_skills(skills)
    except SkillProblem as problem:
        return problem.loc, problem.message
    return None


def skill_names(skills: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Display names of the requested skills, for the reply."""
    names: list[str] = []
    for skill in skills or ():
        name = skill.get("name") or skill.get("skill_id") or skill.get("skill_name")
        if isinstance(name, str) and name:
            names.append(name)
    return names
