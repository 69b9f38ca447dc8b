"""Server-sent events: parse a stream's bytes and judge its framing and chunk sequence."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from ._json import TooDeep, loads

__all__ = ["MAX_EVENTS", "EventParser", "Stream", "parse_stream"]

_DONE = "[DONE]"
_LINE = re.compile(r"\r\n|\n|\r")
# A stream with n=128 choices and 16 tokens each is ~2,300 events; more is a flood, and judging
# every event of one would cost minutes (an attack sent 466k tiny events within 4 MiB).
MAX_EVENTS = 10_000
_MAX_PROBLEMS = 10  # per-event problems kept; one is enough to fail, ten show a pattern


@dataclass
class Stream:
    """A parsed stream: its chunks, whether `[DONE]` ended it, and what is wrong with it."""

    events: list[dict[str, Any]] = field(default_factory=list)
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


def parse_stream(content: bytes, *, max_events: int = MAX_EVENTS) -> Stream:
    """Parse a whole stream's bytes (WHATWG rules) and decode each event's `data` as a chunk."""
    parser = EventParser(max_events=max_events)
    parser.feed(content)
    return parser.finish()


class EventParser:
    """An incremental, bounded `text/event-stream` parser (the WHATWG HTML event-stream rules).

    Feed it bytes as they arrive; ``full`` turns true once ``max_events`` events are in, and the
    caller stops reading. Handles a leading BOM, CRLF/LF/CR line ends (a CR at the end of one
    piece and an LF at the start of the next are one line end), comments, `event`, `id`,
    `retry` (digits only, else ignored), a field without a colon, and multi-line `data`.
    """

    def __init__(self, *, max_events: int = MAX_EVENTS) -> None:
        self.stream = Stream()
        self.max_events = max_events
        self.full = False
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._pending: list[str] = []  # the pieces of an unfinished line
        self._started = False
        self._cr = False  # the last piece ended in CR: an LF starting the next one is its pair
        self._data: list[str] = []
        self._fields: dict[str, Any] = {}
        self._broken = False
        self._named = False  # a named event was reported (once per stream)

    def feed(self, data: bytes) -> None:
        """Parse ``data``; everything after the event limit or a decoding error is ignored."""
        if self.full or self._broken:
            return
        try:
            text = self._decoder.decode(data)
        except UnicodeDecodeError:
            self._broken = True
            self.stream.framing.append("the stream is not UTF-8")
            return
        if not text:
            return  # half a UTF-8 character: wait for the rest (and keep a pending CR's state)
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._cr and text.startswith("\n"):
            text = text[1:]
        self._cr = text.endswith("\r")
        if "\n" not in text and "\r" not in text:
            self._pending.append(text)  # a long line arrives in pieces: join once, at its end
            return
        lines = _LINE.split("".join(self._pending) + text)
        self._pending = [lines.pop()]
        for line in lines:
            self._line(line)
            if self.full:
                return

    def finish(self) -> Stream:
        """The parsed stream, with what is wrong with its framing."""
        stream = self.stream
        if self._broken:
            return stream
        if self.full:
            stream.framing.append(
                f"more than {self.max_events} events: the rest of the stream was not read"
            )
            return stream
        if any(self._pending) or self._data or self._fields:
            stream.framing.append(
                "the stream ends inside an event (no blank line after the last one)"
            )
        if not stream.done:
            stream.framing.append("the stream is not terminated by `data: [DONE]`")
        if stream.done and not stream.chunks:
            stream.framing.append("no chunk before `data: [DONE]`")
        return stream

    def _line(self, line: str) -> None:
        if not line:
            self._dispatch()
            return
        if line.startswith(":"):
            return  # a comment (keep-alive)
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._fields["event"] = value
        elif name == "id":
            if "\0" not in value:
                self._fields["id"] = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._fields["retry"] = int(value)
        # other field names are ignored, as the standard says

    def _dispatch(self) -> None:
        data, fields = self._data, self._fields
        self._data, self._fields = [], {}
        if not data:
            return  # no data: nothing is dispatched (e.g. a lone `retry:` or `id:` block)
        stream = self.stream
        event: dict[str, Any] = {**fields, "data": "\n".join(data)}
        stream.events.append(event)
        number = len(stream.events)
        if len(stream.events) >= self.max_events:
            self.full = True
        name = fields.get("event")
        if name not in (None, "", "message") and not self._named:
            self._named = True
            stream.framing.append(
                f"event {number} is named {name!r}: OpenAI's SDKs read only unnamed (`message`) "
                "events as chat.completion.chunk (the Python SDK treats `error` and `thread.*` "
                "names specially and its 1.x releases hand other named events over as "
                "{'event', 'data'}, losing the chunk's choices); omit the `event:` field"
            )
        if stream.done:
            if not any(p.startswith("events follow") for p in stream.framing):
                stream.framing.append("events follow `data: [DONE]`")
            return
        if event["data"] == _DONE:
            stream.done = True
            return
        try:
            stream.chunks.append(loads(event["data"]))
        except ValueError as exc:
            reason = str(exc) if isinstance(exc, TooDeep) else "not JSON"
            if len(stream.framing) < _MAX_PROBLEMS:
                stream.framing.append(f"event {number} data is {reason}: {event['data'][:80]!r}")
            stream.chunks.append(None)
