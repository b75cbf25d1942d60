"""Recognizers: small objects that find one tactic (or one frame) in folded text.

A ``PatternRecognizer`` is pure data (one lexicon file). A ``PatternIndex`` merges every
pattern of every recognizer under its anchor tokens, so a message only runs the patterns whose
anchor it contains: the cost of a message depends on its words, not on the size of the lexicon.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise, product

from notalone.detect.normalize import NormalizedText
from notalone.detect.phrases import (
    ANY_OF,
    DIGIT,
    INNER_DOT,
    TOKEN_RE,
    accent_marks,
    at_word_start,
    fold,
    literal_trie,
)


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
    needles: tuple[str, ...] | None = None  # a match contains one of these literal strings
    needs: tuple[frozenset[str], ...] = ()  # a match holds a token of each set (see phrases)
    accents: tuple[Mapping[str, frozenset[str]], ...] = ()  # accents its words may carry
    # a "near" pattern: regexes that must all match, in any order, within ``within`` words
    parts: tuple[str, ...] = ()
    within: int = 0
    # a regex anchored at the text's start: its first token is one of these (None: unknown)
    starts: frozenset[str] | None = None

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
            for start, end in pattern_spans(p, text.text)
        ]


def pattern_spans(pattern: Pattern, text: str) -> list[tuple[int, int]]:
    """Every match of one pattern over the whole text (what the index finds faster)."""
    if pattern.parts:
        return match_near(pattern.parts, pattern.within, text)
    return find_all(pattern.regex, text)


_DIGIT_RE = re.compile(r"\d")
_INNER_DOT_RE = re.compile(r"\.\S")


class PatternIndex:
    """All patterns of many recognizers, looked up by the tokens a text contains.

    Anchors are whole tokens ("khach"), token bigrams ("khach san") or token prefixes
    ("scammer*"); a pattern found through its anchor runs only if the text also holds a word of
    each of its other required elements. Patterns with no anchor run only when the characters
    they need are present and one of their literal needles occurs. The index is a shortcut:
    it finds exactly what running every pattern over the text finds (tests/detect).
    """

    def __init__(self, recognizers: Iterable[PatternRecognizer]) -> None:
        # Every pattern is known by its place in load order (its ordinal): candidates run in
        # that order whatever the (hash-dependent) order of the sets they were found through.
        self._entries: list[tuple[PatternRecognizer, Pattern]] = []
        # anchor -> (ordinal, the words of its other required elements). An anchored pattern is
        # only tried where its anchor stands, so literal needles would not make it cheaper.
        self._gates: dict[str, list[tuple[int, tuple[frozenset[str], ...]]]] = {}
        always: list[tuple[int, frozenset[str], frozenset[str] | None]] = []
        # first token of the text -> ordinals of the regexes anchored at its start
        self._by_start: dict[str, list[int]] = {}
        for rec in recognizers:
            for pattern in rec.patterns:
                ordinal = len(self._entries)
                self._entries.append((rec, pattern))
                if pattern.anchors is None and pattern.starts:
                    for word in pattern.starts:
                        self._by_start.setdefault(word, []).append(ordinal)
                    continue
                if pattern.anchors is None:
                    needles = frozenset(pattern.needles) if pattern.needles else None
                    always.append((ordinal, pattern.requires, needles))
                    continue
                for token in pattern.anchors:
                    # the slot that holds the anchor is met wherever the anchor was found
                    needs = tuple(slot for slot in pattern.needs if token not in slot)
                    self._gates.setdefault(token, []).append((ordinal, needs))
        self._always = bool(always)
        self._anchor_keys_all = frozenset(self._gates)
        prefixes = sorted({k[:-1] for k in self._gates if k.endswith("*")}, key=len, reverse=True)
        self._prefix_lengths = sorted({len(p) for p in prefixes})
        self._prefix_re = re.compile(literal_trie(prefixes)) if prefixes else None
        # Unanchored regexes run when the characters they require are present: those with
        # literal needles are found through the needles the text holds (one trie search), the
        # few without needles by their requirement alone (a handful of subset checks).
        unneedled: dict[frozenset[str], list[int]] = {}
        self._by_needle: dict[str, list[tuple[int, frozenset[str]]]] = {}
        for ordinal, requires, needles in always:
            if needles is None:
                unneedled.setdefault(requires, []).append(ordinal)
            else:
                for needle in needles:
                    self._by_needle.setdefault(needle, []).append((ordinal, requires))
        self._unneedled = list(unneedled.items())
        self._any_of = sorted(
            {r for _, requires, _ in always for r in requires if r.startswith(ANY_OF)}
        )
        # All needles are searched for at once. The literals that match at one position form a
        # chain of prefixes, so the longest one found there (what the trie matches), with its
        # prefixes (``_needle_prefixes``), is exactly that position's set.
        literals = sorted(self._by_needle)
        self._needle_re = re.compile(literal_trie(literals)) if literals else None
        known = set(literals)
        self._needle_prefixes = {
            n: frozenset(n[:k] for k in range(1, len(n) + 1) if n[:k] in known) for n in literals
        }

    def __len__(self) -> int:
        return len(self._entries)

    def _tokens_in(self, folded: str) -> set[str]:
        """Every token, bigram "a b" and indexed prefix "p*" the text holds (what anchors and
        ``Pattern.needs`` are checked against)."""
        words = TOKEN_RE.findall(folded)
        present = set(words)
        if len(words) > 1:
            present.update(map(" ".join, pairwise(words)))
        if self._prefix_re is not None:
            for m in self._prefix_re.finditer(folded):
                if not at_word_start(folded, m.start()):
                    continue
                token = TOKEN_RE.match(folded, m.start())
                word = token.group() if token else ""
                present.update(f"{word[:n]}*" for n in self._prefix_lengths if n <= len(word))
        return present

    def _needles_in(self, folded: str) -> set[str]:
        """Every needle literal that occurs in ``folded`` (overlapping occurrences included)."""
        found: set[str] = set()
        regex = self._needle_re
        if regex is None:
            return found
        pos = 0
        while (m := regex.search(folded, pos)) is not None:
            found |= self._needle_prefixes[m.group()]
            pos = m.start() + 1
        return found

    def analyze(self, text: NormalizedText) -> list[RecognizerResult]:
        folded = text.text
        present = self._tokens_in(folded)
        chosen: set[int] = set()  # ordinals of the patterns to run
        if self._by_start:
            opening = TOKEN_RE.search(folded)
            if opening is not None:
                chosen.update(self._by_start.get(opening.group(), ()))
        for token in self._anchor_keys_all.intersection(present):
            for ordinal, needs in self._gates[token]:
                for slot in needs:
                    if slot.isdisjoint(present):
                        break
                else:
                    chosen.add(ordinal)
        if self._always:
            chars = set(folded)
            if _DIGIT_RE.search(folded):
                chars.add(DIGIT)
            if "." in chars and _INNER_DOT_RE.search(folded):
                chars.add(INNER_DOT)
            for token in self._any_of:
                if not chars.isdisjoint(token[len(ANY_OF) :]):
                    chars.add(token)
            for requires, ordinals in self._unneedled:
                if requires <= chars:
                    chosen.update(ordinals)
            by_needle = self._by_needle
            for needle in self._needles_in(folded):
                for ordinal, requires in by_needle[needle]:
                    if requires <= chars:
                        chosen.add(ordinal)
        results: list[RecognizerResult] = []
        if not chosen:
            return results
        positions: dict[str, list[int]] | None = None
        entries = self._entries
        for ordinal in sorted(chosen):  # load order: deterministic whatever the set order
            rec, pattern = entries[ordinal]
            if pattern.first is not None:  # never a "near" pattern: its parts have no start
                if positions is None:
                    positions = {}
                    for m in TOKEN_RE.finditer(folded):
                        positions.setdefault(m.group(), []).append(m.start())
                spans = match_at(pattern.regex, folded, positions, pattern.first)
            else:
                spans = pattern_spans(pattern, folded)
            if spans and pattern.accents and not text.original.isascii():
                spans = [s for s in spans if accents_agree(text, s, pattern.accents)]
            for start, end in spans:
                results.append(
                    RecognizerResult(
                        rec.kind, start, end, pattern.score, rec.id, pattern.index, rec.language
                    )
                )
        return results


def accents_agree(
    text: NormalizedText,
    span: tuple[int, int],
    accents: tuple[Mapping[str, frozenset[str]], ...],
) -> bool:
    """False when the writer uses accents and writes a required word of the phrase with other
    ones ("nó xấu" is not "nợ xấu", "thì họ" is not "thi hộ"). A word typed without accents
    says nothing; a required word is fine if one of its occurrences in the match agrees (a
    gap may hold a look-alike: "gửi ảnh cho anh")."""
    start, end = text.to_original(*span)
    written = [
        (word, word.isascii())
        for word in TOKEN_RE.findall(unicodedata.normalize("NFC", text.original[start:end]))
    ]
    folded = [word.lower() if plain else fold(word) for word, plain in written]
    for allowed in accents:
        seen = agreed = False
        for (word, plain), key in zip(written, folded, strict=True):
            marks = allowed.get(key)
            if marks is None:
                continue
            seen = True
            if plain or accent_marks(word) in marks:
                agreed = True
                break
        if seen and not agreed:
            return False
    return True


def find_all(regex: re.Pattern[str], text: str, limit: int = 0) -> list[tuple[int, int]]:
    """Non-empty matches that start at a word start (retrying inside a rejected match); the
    first ``limit`` of them when it is set."""
    out: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos <= n and (not limit or len(out) < limit):
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


NEAR_MATCHES_PER_PART = 4  # the first few matches of each part are tried (bounded work)


def match_near(parts: tuple[str, ...], within: int, text: str) -> list[tuple[int, int]]:
    """The shortest stretch of ``text`` where every part matches once, the matches not
    overlapping, spanning at most ``within`` words; [] when there is none."""
    found: list[list[tuple[int, int]]] = []
    for source in parts:
        spans = find_all(compile_regex(source), text, NEAR_MATCHES_PER_PART)
        if not spans:
            return []
        found.append(spans)
    best: tuple[int, int] | None = None
    for combo in product(*found):
        ordered = sorted(combo)
        if any(a[1] > b[0] for a, b in pairwise(ordered)):
            continue
        start, end = ordered[0][0], max(e for _, e in ordered)
        if best is not None and end - start >= best[1] - best[0]:
            continue
        if len(TOKEN_RE.findall(text, start, end)) <= within:
            best = (start, end)
    return [best] if best is not None else []
