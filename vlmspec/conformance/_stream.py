"""Server-sent events: parse a stream's bytes and judge its framing and chunk sequence."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Stream", "parse_stream"]

_DONE = "[DONE]"
_EVENT_END = re.compile(r"\r\n\r\n|\n\n|\r\r")
_LINE = re.compile(r"\r\n|\n|\r")


@dataclass
class Stream:
    """A parsed stream: its chunks, whether `[DONE]` ended it, and what is wrong with it."""

    events: list[dict[str, str]] = field(default_factory=list)
    chunks: list[Any] = field(default_factory=list)
    done: bool = False
    framing: list[str] = field(default_factory=list)

    def consistency(self) -> list[str]:
        """One id across chunks; role first; exactly one finish_reason per choice."""
        problems: list[str] = []
        objects = [chunk for chunk in self.chunks if isinstance(chunk, dict)]
        ids = {chunk.get("id") for chunk in objects}
        if len(ids) > 1:
            problems.append(f"chunks carry {len(ids)} different ids: {sorted(map(str, ids))[:3]}")
        seen: set[int] = set()
        finishes: dict[int, int] = {}
        for chunk in objects:
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
                    continue
                index, delta = choice["index"], choice.get("delta") or {}
                if index not in seen:
                    seen.add(index)
                    if not isinstance(delta, dict) or delta.get("role") != "assistant":
                        problems.append(
                            f"the first delta of choice {index} has no role 'assistant'"
                        )
                if choice.get("finish_reason") is not None:
                    finishes[index] = finishes.get(index, 0) + 1
        for index in sorted(seen):
            count = finishes.get(index, 0)
            if count != 1:
                problems.append(f"choice {index} has {count} finish_reason values (expected 1)")
        return problems

    def reassembled(self) -> dict[int, dict[str, Any]]:
        """Per choice index: the concatenated content and the finish_reason."""
        result: dict[int, dict[str, Any]] = {}
        for chunk in self.chunks:
            if not isinstance(chunk, dict):
                continue
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
                    continue
                entry = result.setdefault(choice["index"], {"content": "", "finish_reason": None})
                delta = choice.get("delta") or {}
                if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                    entry["content"] += delta["content"]
                if choice.get("finish_reason") is not None:
                    entry["finish_reason"] = choice["finish_reason"]
        return result


def parse_stream(content: bytes) -> Stream:
    """Split ``content`` into events (WHATWG rules) and decode their `data` as chunks."""
    stream = Stream()
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        stream.framing.append("the stream is not UTF-8")
        return stream
    blocks = _EVENT_END.split(text)
    if blocks and blocks[-1].strip():
        stream.framing.append("the stream ends inside an event (no blank line after the last one)")
    for block in blocks[:-1]:
        event = _parse_block(block)
        if event is None:
            continue
        stream.events.append(event)
        data = event["data"]
        if stream.done:
            stream.framing.append("events follow `data: [DONE]`")
            break
        if data == _DONE:
            stream.done = True
            continue
        try:
            stream.chunks.append(json.loads(data))
        except ValueError:
            stream.framing.append(f"event {len(stream.events)} data is not JSON: {data[:80]!r}")
            stream.chunks.append(None)
    if not stream.done:
        stream.framing.append("the stream is not terminated by `data: [DONE]`")
    if stream.done and not stream.chunks:
        stream.framing.append("no chunk before `data: [DONE]`")
    return stream


def _parse_block(block: str) -> dict[str, str] | None:
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in _LINE.split(block):
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        else:
            fields[name] = value
    if not data:
        return None
    return {**fields, "data": "\n".join(data)}
