"""``vlmspec serve``: run the reference server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from ._exit import fail

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0: any free port.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file for sessions (guest counters live in memory); `:memory:` keeps nothing. "
    "[default: $XDG_STATE_HOME/vlmspec/refserver.db]",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    help="Accepted bearer token (repeatable). Default: $VLMRUN_API_KEY, else a fresh key "
    "printed at start-up. Any other token gets 401.",
)
@click.option(
    "--guest-limit",
    default=10,
    show_default=True,
    type=click.IntRange(0),
    help="Valid chats a day per guest browser (a client address gets ten browsers' worth). "
    "Guest counters live in memory: a restart resets them.",
)
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(
    host: str,
    port: int,
    db: Path | None,
    api_keys: tuple[str, ...],
    guest_limit: int,
    access_log: bool,
) -> None:
    """Run the reference server (uvicorn) until interrupted."""
    from vlmspec.refserver import ServeError
    from vlmspec.refserver import serve as run

    if db is None:
        db = _default_db()
    elif str(db) == ":memory:":
        db = None
    keys, note = _keys(api_keys)
    try:
        run(host, port, db, keys, access_log, guest_limit=guest_limit, key_note=note)
    except ServeError as exc:
        fail(str(exc))


def _keys(given: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """The accepted keys, and what to print instead of a key the user already has."""
    if any(not key.strip() for key in given):
        fail("--api-key: a key cannot be empty")
    if given:
        return given, f"the --api-key value{'s' if len(given) > 1 else ''} you passed"
    from_env = os.environ.get("VLMRUN_API_KEY", "").strip()
    if from_env:
        return (from_env,), "$VLMRUN_API_KEY (from the environment)"
    return (f"vlmspec-{secrets.token_urlsafe(24)}",), None


def _default_db() -> Path:
    """Sessions survive a restart by default: a SQLite file in the user's state folder."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    folder = Path(state) / "vlmspec"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create {folder} for the default --db ({exc.strerror}); pass --db PATH")
    return folder / "refserver.db"
