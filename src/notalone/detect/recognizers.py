"""Recognizers: small objects that find one tactic (or one frame) in folded text.

A ``PatternRecognizer`` is pure data (one lexicon file). A ``PatternIndex`` merges every
pattern of every recognizer under its anchor tokens, so a message only runs the patterns whose
anchor it contains: the cost of a message depends on its words, not on the size of the lexicon.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from notalone.detect.normalize import NormalizedText
from notalone.detect.phrases import DIGIT, TOKEN_RE, at_word_start


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


@functools.cache
def compile_regex(source: str) -> re.Pattern[str]:
    return re.compile(source)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One phrase or regex of a recognizer. The regex is compiled on first use: most patterns
    never meet their anchor in a given run, and compiling ~2,000 regexes up front costs seconds.
    """

    expression: str
    anchors: frozenset[str] | None
    score: float
    source: str  # the phrase or regex as written, for explanations and debugging
    index: int
    requires: frozenset[str] = frozenset()  # characters a match needs (for unanchored regexes)
    first: frozenset[str] | None = None  # a match starts at one of these tokens: try only there
    needles: re.Pattern[str] | None = None  # a match contains one of these literal strings

    @property
    def regex(self) -> re.Pattern[str]:
        return compile_regex(self.expression)


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
            RecognizerResult(self.kind, start, end, p.score, self.id, p.index, self.language)
            for p in self.patterns
            for start, end in find_all(p.regex, text.text)
        ]


_DIGIT_RE = re.compile(r"\d")


class PatternIndex:
    """All patterns of many recognizers, looked up by the tokens a text contains.

    Anchors are whole tokens ("khach"), token bigrams ("khach san") or token prefixes
    ("scammer*"). Patterns with no anchor run only when the characters they need are present.
    """

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
        self._anchor_keys = frozenset(k for k in self._by_anchor if not k.endswith("*"))
        prefixes = sorted(
            {k[:-1] for k in self._by_anchor if k.endswith("*")}, key=len, reverse=True
        )
        self._prefix_lengths = sorted({len(p) for p in prefixes})
        self._prefix_re = re.compile("|".join(map(re.escape, prefixes))) if prefixes else None

    def __len__(self) -> int:
        return len({id(p) for v in self._by_anchor.values() for _, p in v}) + len(self._always)

    def _anchors_in(self, folded: str) -> frozenset[str]:
        words = TOKEN_RE.findall(folded)
        keys = self._anchor_keys
        found = keys.intersection(words)
        if len(words) > 1:
            found |= keys.intersection(map(" ".join, pairwise(words)))
        if self._prefix_re is not None:
            for m in self._prefix_re.finditer(folded):
                if not at_word_start(folded, m.start()):
                    continue
                token = TOKEN_RE.match(folded, m.start())
                word = token.group() if token else ""
                found |= {f"{word[:n]}*" for n in self._prefix_lengths if n <= len(word)}
        return found

    def analyze(self, text: NormalizedText) -> list[RecognizerResult]:
        folded = text.text
        candidates: dict[int, tuple[PatternRecognizer, Pattern]] = {}
        by_anchor = self._by_anchor
        for token in self._anchors_in(folded):
            for rec, pattern in by_anchor.get(token, ()):
                candidates[id(pattern)] = (rec, pattern)
        if self._always:
            present = set(folded)
            if _DIGIT_RE.search(folded):
                present.add(DIGIT)
            for rec, pattern in self._always:
                if pattern.requires <= present and (
                    pattern.needles is None or pattern.needles.search(folded) is not None
                ):
                    candidates[id(pattern)] = (rec, pattern)
        results: list[RecognizerResult] = []
        if not candidates:
            return results
        positions: dict[str, list[int]] | None = None
        for rec, pattern in candidates.values():
            if pattern.first is not None:
                if positions is None:
                    positions = {}
                    for m in TOKEN_RE.finditer(folded):
                        positions.setdefault(m.group(), []).append(m.start())
                spans = match_at(pattern.regex, folded, positions, pattern.first)
            else:
                spans = find_all(pattern.regex, folded)
            for start, end in spans:
                results.append(
                    RecognizerResult(
                        rec.kind, start, end, pattern.score, rec.id, pattern.index, rec.language
                    )
                )
        return results


def find_all(regex: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Non-empty matches that start at a word start (retrying inside a rejected match)."""
    out: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos <= n:
        m = regex.search(text, pos)
        if m is None:
            break
        start, end = m.span()
        if end > start and at_word_start(text, start):
            out.append((start, end))
            pos = end
        else:
            pos = start + 1
    return out


def match_at(
    regex: re.Pattern[str], text: str, positions: dict[str, list[int]], first: frozenset[str]
) -> list[tuple[int, int]]:
    """Matches that start at a token from ``first``: a few anchored tries instead of a scan."""
    starts = sorted(p for token in first.intersection(positions) for p in positions[token])
    out: list[tuple[int, int]] = []
    last_end = -1
    for pos in starts:
        if pos < last_end:
            continue
        m = regex.match(text, pos)
        if m is not None and m.end() > pos:
            out.append((pos, m.end()))
            last_end = m.end()
    return out
