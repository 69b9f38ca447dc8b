"""kill -9 during concurrent session writes: every acknowledged turn survives the restart."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests._refserver import RunningServer

KEY = "kill-key"


def test_acknowledged_turns_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    server = RunningServer(api_keys=[KEY], db=db)
    acknowledged: list[tuple[str, int, str]] = []
    stop = threading.Event()

    async def writer(session: str) -> None:
        async with httpx.AsyncClient(
            base_url=server.openai_base, timeout=10, headers={"Authorization": f"Bearer {KEY}"}
        ) as client:
            turn = 0
            while not stop.is_set():
                turn += 1
                body = {
                    "session_id": session,
                    "messages": [{"role": "user", "content": f"{session} #{turn}"}],
                }
                try:
                    response = await client.post("/chat/completions", json=body)
                except httpx.HTTPError:
                    return
                assert response.status_code == 201, response.text
                acknowledged.append(
                    (session, turn, response.json()["choices"][0]["message"]["content"])
                )

    def run_writers() -> None:
        async def main() -> None:
            await asyncio.gather(*(writer(f"s{i}") for i in range(8)))

        asyncio.run(main())

    thread = threading.Thread(target=run_writers)
    thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    stop.set()
    thread.join(timeout=30)
    assert len(acknowledged) >= 150

    restarted = RunningServer(api_keys=[KEY], db=db)
    try:
        with sqlite3.connect(db) as check:
            rows = {
                (s, t): (u, r)
                for s, t, u, r in check.execute(
                    "SELECT session_id, turn, user_text, reply FROM turns"
                )
            }
        for session, turn, reply in acknowledged:
            assert f"Turn {turn}." in reply  # each session's requests run one at a time
            assert rows[(session, turn)] == (f"{session} #{turn}", reply)
        with httpx.Client(
            base_url=restarted.openai_base, headers={"Authorization": f"Bearer {KEY}"}
        ) as c:
            last = max(t for s, t in rows if s == "s0")
            body = {"session_id": "s0", "messages": [{"role": "user", "content": "again"}]}
            content = c.post("/chat/completions", json=body).json()["choices"][0]["message"][
                "content"
            ]
        assert f"Turn {last + 1}." in content and "s0 #1" in content
    finally:
        assert restarted.stop() == 0
