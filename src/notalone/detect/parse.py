"""Reading the conversation contract from JSON values, with errors a person can act on."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from notalone.detect.types import Conversation, InputError, Message

MAX_LINE_BYTES = 64 * 1024 * 1024


def parse_conversation(obj: Any) -> Conversation:
    """Validate one conversation object; unknown fields (and ``label``) are ignored."""
    if not isinstance(obj, Mapping):
        raise InputError(f"a conversation must be a JSON object, not {type(obj).__name__}")
    messages = obj.get("messages")
    if not isinstance(messages, list):
        raise InputError('\'messages\' must be a list of {"from", "text"} objects')
    parsed: list[Message] = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping):
            raise InputError(f"messages[{i}] must be an object")
        text = m.get("text")
        if not isinstance(text, str):
            raise InputError(f"messages[{i}].text must be a string")
        sender = m.get("from", "unknown")
        if sender is None:
            sender = "unknown"
        if not isinstance(sender, str | int):
            raise InputError(f"messages[{i}].from must be a string")
        ts = m.get("ts")
        if ts is not None and not isinstance(ts, str):
            raise InputError(f"messages[{i}].ts must be a string")
        parsed.append(Message(str(sender), text, ts))
    cid = obj.get("id")
    if cid is not None and not isinstance(cid, str | int):
        raise InputError("'id' must be a string")
    lang, child = obj.get("lang"), obj.get("child")
    if lang is not None and not isinstance(lang, str):
        raise InputError("'lang' must be a string")
    if child is not None and not isinstance(child, str | int):
        raise InputError("'child' must be a string")
    return Conversation(
        None if cid is None else str(cid),
        tuple(parsed),
        lang.lower() if lang else None,
        None if child is None else str(child),
    )


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str


def read_jsonl(stream: IO[bytes]) -> Iterator[tuple[int, Conversation | LineError, Any]]:
    """Yield (line number, conversation or error, raw object) for every non-blank line."""
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield number, LineError(number, f"line is larger than {MAX_LINE_BYTES} bytes"), None
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, LineError(number, f"invalid UTF-8 at byte {exc.start}"), None
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, LineError(number, f"invalid JSON: {exc.msg} (column {exc.colno})"), None
            continue
        try:
            yield number, parse_conversation(obj), obj
        except InputError as exc:
            yield number, LineError(number, str(exc)), obj
