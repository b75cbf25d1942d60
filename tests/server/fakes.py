"""A deterministic stand-in for ``notalone.detect.Detector`` (the contract, not the engine)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PHRASES = {
    "chuyển tiền": ("money_demand", 0.6),
    "công an": ("authority_impersonation", 0.4),
    "gửi ảnh": ("image_request", 0.6),
    "đừng nói": ("secrecy_demand", 0.5),
    "send money": ("money_demand", 0.6),
}


class FakeInputError(ValueError):
    pass


@dataclass
class FakeAssessment:
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.data)


def _level(risk: float) -> str:
    for threshold, name in ((0.85, "critical"), (0.6, "high"), (0.4, "medium"), (0.2, "low")):
        if risk >= threshold:
            return name
    return "none"


class FakeDetector:
    calls: int = 0

    def analyze(self, conv: Mapping[str, Any]) -> FakeAssessment:
        messages = conv.get("messages")
        if not isinstance(messages, list) or not messages:
            raise FakeInputError("a conversation needs at least one message")
        tactics: list[dict[str, Any]] = []
        for index, message in enumerate(messages):
            text = str(message["text"])
            lowered = text.lower()
            for phrase, (tactic, score) in PHRASES.items():
                start = lowered.find(phrase)
                if start >= 0:
                    end = start + len(phrase)
                    tactics.append(
                        {
                            "tactic": tactic,
                            "message": index,
                            "start": start,
                            "end": end,
                            "text": text[start:end],
                            "score": score,
                            "explanation": f"'{text[start:end]}' looks like {tactic}",
                        }
                    )
        risk = min(1.0, sum(t["score"] for t in tactics))
        return FakeAssessment(
            {
                "id": conv.get("id"),
                "risk": risk,
                "level": _level(risk),
                "category": "fraud" if tactics else None,
                "first_alert_at": 0 if risk >= 0.6 else None,
                "tactics": tactics,
                "indicators": [],
                "advice": ["Đừng chuyển tiền."] if tactics else [],
            }
        )

    def analyze_text(self, text: str, *, lang: str | None = None) -> FakeAssessment:
        return self.analyze({"messages": [{"from": "?", "text": text}], "lang": lang})
