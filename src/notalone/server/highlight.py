"""Turn a pasted text into messages, and an assessment into highlighted segments per message."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_LINE = re.compile(r"^\s*([^:\n]{1,40}?)\s*:\s+(\S.*)$")


@dataclass(frozen=True)
class Pasted:
    """What the textarea held: one message, or a conversation of ``Name: text`` lines."""

    messages: tuple[tuple[str, str], ...]
    """(speaker, text) pairs; a single message has the speaker ``""``."""

    @property
    def is_conversation(self) -> bool:
        return len(self.messages) > 1


def parse_pasted(raw: str) -> Pasted:
    text = raw.replace("\r\n", "\n").strip()
    lines = [line for line in text.split("\n") if line.strip()]
    matches = [_LINE.match(line) for line in lines]
    labelled = sum(1 for m in matches if m)
    if len(lines) < 2 or labelled < 2 or labelled < 0.6 * len(lines) or not matches[0]:
        return Pasted((("", text),))
    messages: list[tuple[str, str]] = []
    for line, match in zip(lines, matches, strict=True):
        if match:
            messages.append((match.group(1), match.group(2)))
        else:
            speaker, previous = messages[-1]
            messages[-1] = (speaker, previous + "\n" + line.strip())
    return Pasted(tuple(messages))


@dataclass(frozen=True)
class Segment:
    text: str
    tactics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrase:
    message: int
    text: str
    tactic: str
    explanation: str


def segments(text: str, spans: Sequence[tuple[int, int, str]]) -> list[Segment]:
    """Split ``text`` at the span boundaries; overlapping spans share a segment's tactics."""
    valid = [(s, e, t) for s, e, t in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for s, _, _ in valid), *(e for _, e, _ in valid)})
    out: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        names: list[str] = []
        for s, e, t in valid:
            if s <= a and b <= e and t not in names:
                names.append(t)
        piece = text[a:b]
        if out and tuple(names) == out[-1].tactics:
            out[-1] = Segment(out[-1].text + piece, out[-1].tactics)
        else:
            out.append(Segment(piece, tuple(names)))
    return out


def tactic_spans(
    assessment: Mapping[str, Any], message_texts: Sequence[str], name: Any
) -> tuple[list[list[tuple[int, int, str]]], list[Phrase]]:
    """Per message, the (start, end, tactic name) spans whose offsets slice the text exactly."""
    per_message: list[list[tuple[int, int, str]]] = [[] for _ in message_texts]
    phrases: list[Phrase] = []
    for hit in assessment.get("tactics", []) or []:
        if not isinstance(hit, Mapping):
            continue
        index = int(hit.get("message", 0) or 0)
        start, end = int(hit.get("start", -1)), int(hit.get("end", -1))
        label = str(name(str(hit.get("tactic", ""))))
        if 0 <= index < len(message_texts) and 0 <= start < end <= len(message_texts[index]):
            per_message[index].append((start, end, label))
            phrases.append(
                Phrase(
                    index, message_texts[index][start:end], label, str(hit.get("explanation", ""))
                )
            )
    return per_message, phrases


def advice_texts(assessment: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for item in assessment.get("advice", []) or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping):
            text = item.get("text") or item.get("advice") or item.get("message")
            if text:
                out.append(str(text))
    return out
