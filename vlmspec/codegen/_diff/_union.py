"""What a union accepts: keywords beside it restrict each branch, open branches absorb the rest.

A diff must judge ``anyOf: [{type: string}, {type: string, enum: [...]}]`` as "any string": the
enum changes nothing a client can send or receive. And ``{type: object}`` becoming four specific
objects is a narrowing, not four added branches.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ._conjoin import conjoin
from ._keywords import is_annotation

if TYPE_CHECKING:
    from ._walk import Branch

__all__ = ["absorb", "allows_null", "covers", "is_open", "own_keywords", "restrict"]

# Beside a type these say nothing about which values are accepted.
_NEUTRAL = frozenset({"type", "nullable", "default"})


def own_keywords(schema: dict[str, Any]) -> dict[str, Any]:
    """The constraining keywords that sit beside a schema's ``anyOf``/``oneOf``."""
    return {
        k: v
        for k, v in schema.items()
        if k not in ("anyOf", "oneOf", "nullable", "default") and not is_annotation(k)
    }


def _own_types(own: dict[str, Any]) -> list[str] | None:
    if "type" not in own:
        return None
    declared = own["type"]
    kinds = declared if isinstance(declared, list) else [declared]
    return [k for k in kinds if isinstance(k, str) and k != "null"]


def allows_null(own: dict[str, Any]) -> bool:
    """Whether a null accepted by a branch survives the keywords beside the union."""
    declared = own.get("type")
    return declared is None or (isinstance(declared, list) and "null" in declared)


def _meet(own_types: list[str] | None, kind: str) -> str | None:
    if not own_types or kind in own_types:
        return kind
    if kind == "any":
        return own_types[0] if len(own_types) == 1 else None
    if {kind, *own_types} >= {"integer", "number"} and kind in ("integer", "number"):
        return "integer"  # an integer is a number: the meet is the narrower one
    return None


def restrict(branch: Branch, own: dict[str, Any], ident: str | None) -> Branch:
    """``branch`` as constrained by the keywords beside its union (``ident``: its memo name).

    A ``type`` contradicting the branch (OpenAI's TranscriptionChunkingStrategy: ``type:
    object`` over ``"auto"`` or an object) strictly leaves nothing; the vendor plainly means the
    branch, so it is kept as written and still compared.
    """
    if not own:
        return branch
    kind = _meet(_own_types(own), branch.type)
    extra = {k: v for k, v in own.items() if k != "type"}
    if kind is None or (not extra and kind == branch.type):
        return branch
    # Both apply: a property the branch and the keywords beside the union both declare is
    # the conjunction of the two declarations.
    schema = {**conjoin([branch.schema, extra]), "type": kind}
    return replace(branch, type=kind, schema=schema, ident=ident)


def is_open(branch: Branch) -> bool:
    """Accepts every value of its type: nothing but the type (and annotations) is said."""
    for key, value in branch.schema.items():
        if key == "additionalProperties" and value in (True, {}):
            continue
        if key not in _NEUTRAL and not is_annotation(key):
            return False
    return True


def covers(wide: Branch, narrow: Branch) -> bool:
    """Whether the open branch ``wide`` accepts everything ``narrow`` does."""
    return wide.type in ("any", narrow.type) or (wide.type, narrow.type) == ("number", "integer")


def absorb(branches: list[Branch]) -> list[Branch]:
    """Drop branches an open branch of the same union already accepts (one open per type)."""
    opens = [b for b in branches if is_open(b)]
    if not opens:
        return branches
    kept: list[Branch] = []
    for branch in branches:
        wider = [o for o in opens if o is not branch and covers(o, branch)]
        # Among equal open branches (two bare `string`s) the first stays.
        if any(not (is_open(branch) and covers(branch, o)) for o in wider):
            continue
        if is_open(branch) and any(k.type == branch.type and is_open(k) for k in kept):
            continue
        kept.append(branch)
    return kept


def _quoted(branches: list[Branch]) -> str:
    return ", ".join(f"`{b.label}`" for b in branches)


def regroup(
    removed: list[Branch], added: list[Branch]
) -> tuple[list[tuple[str, str]], list[Branch], list[Branch]]:
    """Unmatched branches an open branch on the other side covers: one change, not many.

    ``{type: object}`` → four specific objects is one narrowing (the open branch replaced by
    what it covers), not four added branches; the reverse is one widening. Returns (aspect,
    message) pairs and the branches still unaccounted for.
    """
    found: list[tuple[str, str]] = []
    removed, added = list(removed), list(added)
    for wide in [b for b in removed if is_open(b)]:
        narrow = [b for b in added if covers(wide, b)]
        if narrow:
            found.append(("type-narrowed", f"any `{wide.label}` narrowed to {_quoted(narrow)}"))
            removed.remove(wide)
            added = [b for b in added if b not in narrow]
    for wide in [b for b in added if is_open(b)]:
        narrow = [b for b in removed if covers(wide, b)]
        if narrow:
            found.append(("type-widened", f"{_quoted(narrow)} widened to any `{wide.label}`"))
            added.remove(wide)
            removed = [b for b in removed if b not in narrow]
    return found, removed, added
