"""The detection library's value types: frozen, hashable, JSON-ready through ``to_dict``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LEVELS = ("none", "low", "medium", "high", "critical")
CATEGORIES = ("online_kidnapping", "grooming", "sextortion", "fraud", "phishing")


class InputError(ValueError):
    """A conversation or message that cannot be analysed; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Message:
    sender: str
    text: str
    ts: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str | None
    messages: tuple[Message, ...]
    lang: str | None = None
    child: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence: a span of one message's ORIGINAL text that shows a tactic."""

    tactic: str
    message: int
    start: int
    end: int
    text: str
    score: float
    recognizer: str
    speaker: str
    modifiers: tuple[str, ...] = ()

    def to_dict(self, explanation: str) -> dict[str, Any]:
        return {
            "tactic": self.tactic,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 3),
            "explanation": explanation,
            "recognizer": self.recognizer,
            "speaker": self.speaker,
            "modifiers": list(self.modifiers),
        }


@dataclass(frozen=True, slots=True)
class IndicatorEvidence:
    kind: str
    value: str
    normalized: str
    message: int
    start: int
    end: int
    attrs: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "value": self.value,
            "normalized": self.normalized,
            "message": self.message,
            "start": self.start,
            "end": self.end,
        }
        if self.attrs:
            out["attrs"] = dict(self.attrs)
        return out


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on a conversation so far; ``to_dict`` is the public scan contract."""

    id: str | None
    risk: float
    level: str
    category: str | None
    first_alert_at: int | None
    evidence: tuple[Evidence, ...]
    indicators: tuple[IndicatorEvidence, ...]
    advice: tuple[str, ...]
    explanations: tuple[str, ...]
    lang: str
    summary: str = ""
    contributions: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "risk": round(self.risk, 4),
            "level": self.level,
            "category": self.category,
            "first_alert_at": self.first_alert_at,
            "tactics": [
                e.to_dict(x) for e, x in zip(self.evidence, self.explanations, strict=True)
            ],
            "indicators": [i.to_dict() for i in self.indicators],
            "advice": list(self.advice),
            "lang": self.lang,
            "summary": self.summary,
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
        }
