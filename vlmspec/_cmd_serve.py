"""``vlmspec serve``: run the reference server."""

from __future__ import annotations

import os
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
    help="SQLite file for sessions and guest counters; `:memory:` keeps nothing across restarts. "
    "[default: $XDG_STATE_HOME/vlmspec/refserver.db]",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    help="Accepted bearer token (repeatable). Without any, every token is accepted.",
)
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(
    host: str, port: int, db: Path | None, api_keys: tuple[str, ...], access_log: bool
) -> None:
    """Run the reference server (uvicorn) until interrupted."""
    from vlmspec.refserver import ServeError
    from vlmspec.refserver import serve as run

    if db is None:
        db = _default_db()
    elif str(db) == ":memory:":
        db = None
    try:
        run(host, port, db, api_keys, access_log)
    except ServeError as exc:
        fail(str(exc))


def _default_db() -> Path:
    """Sessions survive a restart by default: a SQLite file in the user's state folder."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    folder = Path(state) / "vlmspec"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create {folder} for the default --db ({exc.strerror}); pass --db PATH")
    return folder / "refserver.db"
