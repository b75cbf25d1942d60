"""Recognizers: small objects that find one tactic (or one frame) in folded text.

A ``PatternRecognizer`` is pure data (one lexicon file). A ``PatternIndex`` merges every
pattern of every recognizer under its anchor tokens, so a message only runs the patterns whose
anchor it contains: the cost of a message depends on its words, not on the size of the lexicon.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from notalone.detect.normalize import NormalizedText
from notalone.detect.phrases import TOKEN_RE


@dataclass(frozen=True, slots=True)
class RecognizerResult:
    """A hit on the folded text; ``start``/``end`` index the folded text."""

    kind: str  # a tactic id, or "frame:<name>" for warning/negation/... cues
    start: int
    end: int
    score: float
    recognizer: str
    pattern: int
    language: str


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: re.Pattern[str]
    anchors: frozenset[str] | None
    score: float
    source: str  # the phrase or regex as written, for explanations and debugging
    index: int


class Recognizer(ABC):
    """Finds one kind of evidence in one or more languages."""

    id: str
    kind: str
    languages: tuple[str, ...]

    @abstractmethod
    def analyze(self, text: NormalizedText) -> list[RecognizerResult]:
        """Every hit in ``text``; never raises on any input."""


class PatternRecognizer(Recognizer):
    def __init__(self, rid: str, kind: str, language: str, patterns: Sequence[Pattern]) -> None:
        self.id = rid
        self.kind = kind
        self.languages = (language,)
        self.language = language
        self.patterns = tuple(patterns)

    def analyze(self, text: NormalizedText) -> list[RecognizerResult]:
        return [
            RecognizerResult(self.kind, m.start(), m.end(), p.score, self.id, p.index, self.language)
            for p in self.patterns
            for m in p.regex.finditer(text.text)
            if m.end() > m.start()
        ]


class PatternIndex:
    """All patterns of many recognizers, looked up by the tokens a text contains."""

    def __init__(self, recognizers: Iterable[PatternRecognizer]) -> None:
        self._by_anchor: dict[str, list[tuple[PatternRecognizer, Pattern]]] = {}
        self._always: list[tuple[PatternRecognizer, Pattern]] = []
        for rec in recognizers:
            for pattern in rec.patterns:
                if pattern.anchors is None:
                    self._always.append((rec, pattern))
                    continue
                for token in pattern.anchors:
                    self._by_anchor.setdefault(token, []).append((rec, pattern))
        self._anchor_keys = frozenset(self._by_anchor)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_anchor.values()) + len(self._always)

    def analyze(self, text: NormalizedText) -> list[RecognizerResult]:
        tokens = self._anchor_keys.intersection(TOKEN_RE.findall(text.text))
        candidates: dict[int, tuple[PatternRecognizer, Pattern]] = {}
        for token in tokens:
            for rec, pattern in self._by_anchor[token]:
                candidates[id(pattern)] = (rec, pattern)
        for rec, pattern in self._always:
            candidates[id(pattern)] = (rec, pattern)
        results: list[RecognizerResult] = []
        folded = text.text
        for rec, pattern in candidates.values():
            for m in pattern.regex.finditer(folded):
                if m.end() > m.start():
                    results.append(
                        RecognizerResult(
                            rec.kind, m.start(), m.end(), pattern.score, rec.id, pattern.index,
                            rec.language,
                        )
                    )
        return results
