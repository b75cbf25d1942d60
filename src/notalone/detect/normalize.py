"""Text normalisation that keeps a map back to the original text.

Matching runs on a folded form: lower case, no diacritics, look-alike letters mapped to Latin,
digits standing for letters inside words mapped back, zero-width characters dropped and
letter-by-letter spelling ("c.h.u.y.e.n") collapsed. Every character of the folded text knows
the index of the original character it came from, so every span slices the original exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache

# Characters that disappear: combining marks (decomposed Vietnamese), zero-width and soft hyphen.
_DROPPED = re.compile("[\u0300-\u036f\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f]")
# Letter-by-letter spelling: single letters joined by one punctuation separator ("c.h.u.y.e.n"),
# or by single spaces when at least four letters run ("c h u y e n").
_SPELLED_PUNCT = re.compile(r"(?<![\w])[a-z](?:[.\-_*+~'](?:[a-z]))+(?![\w])")
_SPELLED_SPACE = re.compile(r"(?<!\w)(?<!\w )[a-z](?: [a-z]){3,}(?![\w])")
# Cheap test for three single letters in a row joined by one separator: only then look closer.
_SPELLED_HINT = re.compile(r"[a-z][.\-_*+~' ][a-z][.\-_*+~' ][a-z]")
_LEET = re.compile(r"(?<=[a-z])[013457@$]+(?=[a-z])")
# A word censored with asterisks ("n*des", "s*x"): the letters that make a known word.
_CENSORED = re.compile(r"(?<![\w*])[a-z]+\*[a-z]*(?![\w*])|(?<![\w*])[a-z]*\*[a-z]+(?![\w*])")
_CENSOR_GUESSES = "aeiouy"
_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}

# Look-alike letters that NFKD does not take to Latin (Cyrillic and Greek).
_HOMOGLYPHS = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ѵ": "v",
    "ɡ": "g",
    "ı": "i",
}
_RANGES = ((0x00, 0x250), (0x370, 0x530), (0x1D00, 0x1F00), (0x2100, 0x2150), (0xFF00, 0xFF5F))


@cache
def _fold_table() -> dict[int, str]:
    """One character in, one character out: keeps offsets identical on the fast path."""
    table: dict[int, str] = {}
    for lo, hi in _RANGES:
        for code in range(lo, hi):
            ch = chr(code)
            low = ch.lower()
            if len(low) != 1:
                low = ch
            low = _HOMOGLYPHS.get(low, low)
            base = unicodedata.normalize("NFKD", low)[:1] or low
            if base in ("đ", "ð"):
                base = "d"
            if len(base) == 1 and base != ch and (base.isascii() or base.lower() != ch):
                table[code] = base.lower() if base.isascii() else base
    for src, dst in (("đ", "d"), ("Đ", "d"), ("ø", "o"), ("Ø", "o"), ("ł", "l"), ("Ł", "l")):
        table[ord(src)] = dst
    for src, dst in _HOMOGLYPHS.items():
        table[ord(src)] = dst
        table[ord(src.upper())] = dst
    return table


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The folded text and, when it differs in length, where each character came from."""

    original: str
    text: str
    offsets: tuple[int, ...] | None = None  # None: identity (same length, same positions)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the folded text onto the original text."""
        if self.offsets is None:
            return start, end
        if end <= start:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1
        original = self.original
        # Keep the combining marks that belong to the last letter inside the span.
        while o_end < len(original) and _DROPPED.match(original, o_end):
            o_end += 1
        return o_start, o_end


Segmenter = Callable[[str], list[str]]


def normalize(text: str, vocabulary: Collection[str] = ()) -> NormalizedText:
    """Fold ``text`` for matching. ``vocabulary`` splits collapsed spelling back into words."""
    # ASCII needs only lower-casing (one character in, one out), which is far cheaper.
    folded = text.lower() if text.isascii() else text.translate(_fold_table())
    offsets: list[int] | None = None
    if not text.isascii() and _DROPPED.search(folded):
        kept = [(i, ch) for i, ch in enumerate(folded) if not _DROPPED.match(ch)]
        folded = "".join(ch for _, ch in kept)
        offsets = [i for i, _ in kept]
    if _SPELLED_HINT.search(folded):
        folded, offsets = _collapse_spelling(folded, offsets, vocabulary)
    if _LEET.search(folded):
        folded = _LEET.sub(lambda m: "".join(_LEET_MAP[c] for c in m.group()), folded)
    if "*" in folded and vocabulary:
        folded = _CENSORED.sub(lambda m: _uncensor(m.group(), vocabulary), folded)
    return NormalizedText(text, folded, tuple(offsets) if offsets is not None else None)


def _uncensor(word: str, vocabulary: Collection[str]) -> str:
    """The known word a one-asterisk censoring hides, or the word as typed (same length, so
    every offset still holds)."""
    for letter in _CENSOR_GUESSES:
        guess = word.replace("*", letter)
        if guess in vocabulary:
            return guess
    return word


def _collapse_spelling(
    folded: str, offsets: list[int] | None, vocabulary: Collection[str]
) -> tuple[str, list[int] | None]:
    runs = [m for pattern in (_SPELLED_PUNCT, _SPELLED_SPACE) for m in pattern.finditer(folded)]
    runs = [m for m in runs if sum(c.isalpha() for c in m.group()) >= 3]
    if not runs:
        return folded, offsets
    runs.sort(key=lambda m: m.start())
    base = offsets if offsets is not None else list(range(len(folded)))
    out_chars: list[str] = []
    out_offsets: list[int] = []
    pos = 0
    for m in runs:
        if m.start() < pos:
            continue
        letters = [(base[i], folded[i]) for i in range(m.start(), m.end()) if folded[i].isalpha()]
        word = "".join(ch for _, ch in letters)
        pieces = segment(word, vocabulary)
        if " " in m.group() and not any(len(p) >= 3 and p in vocabulary for p in pieces):
            # Single-letter teen code ("a e k j") is not spelling; leave it as typed.
            continue
        out_chars.append(folded[pos : m.start()])
        out_offsets.extend(base[pos : m.start()])
        cursor = 0
        for n, piece in enumerate(pieces):
            if n:
                # A space that was not typed: it maps to the letter that follows it.
                out_chars.append(" ")
                out_offsets.append(letters[cursor][0])
            out_chars.append(piece)
            out_offsets.extend(o for o, _ in letters[cursor : cursor + len(piece)])
            cursor += len(piece)
        pos = m.end()
    out_chars.append(folded[pos:])
    out_offsets.extend(base[pos:])
    return "".join(out_chars), out_offsets


def segment(word: str, vocabulary: Collection[str]) -> list[str]:
    """Split a run of letters into the fewest known words (unknown letters cost more)."""
    if not vocabulary or word in vocabulary:
        return [word]
    n = len(word)
    inf = float("inf")
    best: list[float] = [0.0] + [inf] * n
    back = [0] * (n + 1)
    longest = min(12, n)
    for end in range(1, n + 1):
        for start in range(max(0, end - longest), end):
            piece = word[start:end]
            cost = 1.0 if piece in vocabulary else 3.0 * len(piece)
            if best[start] + cost < best[end]:
                best[end] = best[start] + cost
                back[end] = start
    pieces: list[str] = []
    end = n
    while end > 0:
        pieces.append(word[back[end] : end])
        end = back[end]
    pieces.reverse()
    # Merge runs of unknown single letters back together so they stay one token.
    merged: list[str] = []
    for piece in pieces:
        if merged and piece not in vocabulary and merged[-1] not in vocabulary:
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged
