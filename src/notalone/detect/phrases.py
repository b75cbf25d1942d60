"""The phrase language of the knowledge files, compiled to regular expressions.

A phrase is words separated by spaces; see docs/lexicon-format.md. ``compile_phrase`` returns
the regex source for the folded text and the anchor tokens: a match always contains one of
them as a whole token, which lets the matcher skip patterns whose anchor is absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from notalone.detect.normalize import normalize

SEP = r"[\W_]+"
WORD = r"[^\W_]+"
_TOKEN = re.compile(r"\(|\)|\||\.{3,4}|\{[^}]*\}[?]?|[^\s()|]+")
TOKEN_RE = re.compile(r"[^\W_]+")


class PhraseError(ValueError):
    """A phrase that cannot be compiled; the message names the phrase and the problem."""


@dataclass(frozen=True, slots=True)
class Compiled:
    regex: str
    anchors: frozenset[str] | None  # None: no token is guaranteed (the pattern always runs)


@dataclass(frozen=True, slots=True)
class _Item:
    regex: str
    anchors: frozenset[str] | None
    optional: bool = False
    gap: bool = False


def fold(text: str) -> str:
    return normalize(text).text


def _word_tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(fold(text))


class PhraseCompiler:
    def __init__(
        self, variants: Mapping[str, Sequence[str]], classes: Mapping[str, Sequence[str]]
    ) -> None:
        self._variants = {fold(k): [fold(v) for v in vs] for k, vs in variants.items()}
        self._class_src = dict(classes)
        self._class_cache: dict[str, _Item] = {}

    def compile(self, phrase: str) -> Compiled:
        tokens = _TOKEN.findall(phrase)
        if not tokens:
            raise PhraseError(f"empty phrase: {phrase!r}")
        items, pos = self._sequence(tokens, 0, phrase)
        if pos != len(tokens):
            raise PhraseError(f"unbalanced ')' in phrase {phrase!r}")
        if all(item.optional or item.gap for item in items):
            raise PhraseError(f"phrase {phrase!r} has no required word")
        body = _join(items)
        return Compiled(rf"(?<![^\W_]){body}(?![^\W_])", _anchors(items))

    # --- parsing -----------------------------------------------------------------------------
    def _sequence(self, tokens: list[str], pos: int, phrase: str) -> tuple[list[_Item], int]:
        """Parse alternatives until ')' or the end; returns one item per element."""
        alternatives: list[list[_Item]] = [[]]
        while pos < len(tokens):
            tok = tokens[pos]
            if tok == ")":
                break
            if tok == "|":
                alternatives.append([])
                pos += 1
                continue
            if tok == "(":
                inner, pos = self._sequence(tokens, pos + 1, phrase)
                if pos >= len(tokens) or tokens[pos] != ")":
                    raise PhraseError(f"unclosed '(' in phrase {phrase!r}")
                pos += 1
                optional = pos < len(tokens) and tokens[pos] == "?"
                if optional:
                    pos += 1
                group = inner[0] if len(inner) == 1 else _Item(_join(inner), _anchors(inner))
                alternatives[-1].append(_Item(f"(?:{group.regex})", group.anchors, optional))
                continue
            alternatives[-1].append(self._atom(tok, phrase))
            pos += 1
        if any(not alt for alt in alternatives):
            raise PhraseError(f"empty alternative in phrase {phrase!r}")
        if len(alternatives) == 1:
            return alternatives[0], pos
        regex = "|".join(_join(alt) for alt in alternatives)
        anchor_sets = [_anchors(alt) for alt in alternatives]
        anchors: frozenset[str] | None = None
        if all(a is not None for a in anchor_sets):
            anchors = frozenset().union(*(a for a in anchor_sets if a is not None))
        return [_Item(f"(?:{regex})", anchors)], pos

    def _atom(self, tok: str, phrase: str) -> _Item:
        if tok in ("...", "...."):
            n = 3 if tok == "..." else 6
            return _Item(f"(?:{SEP}{WORD}){{0,{n}}}", None, gap=True)
        optional = tok.endswith("?") and len(tok) > 1
        if optional:
            tok = tok[:-1]
        if tok.startswith("{") and tok.endswith("}"):
            item = self._class(tok[1:-1], phrase)
            return _Item(item.regex, item.anchors, optional)
        prefix = tok.endswith("*") and len(tok) > 1
        if prefix:
            tok = tok[:-1]
        words = _word_tokens(tok)
        if not words:
            raise PhraseError(f"no letters or digits in {tok!r} of phrase {phrase!r}")
        if len(words) > 1:  # "a/e", "e-mail": several tokens typed as one word
            regex = SEP.join(re.escape(w) for w in words)
            if prefix:
                regex += WORD.replace("+", "*")
            return _Item(f"(?:{regex})", frozenset([words[0]]), optional)
        word = words[0]
        spellings = sorted({word, *self._variants.get(word, ())}, key=lambda s: (-len(s), s))
        alts = [SEP.join(re.escape(w) for w in _word_tokens(s) or [s]) for s in spellings]
        regex = "|".join(alts)
        if prefix:
            return _Item(f"(?:{regex})[^\\W_]*", None, optional)
        anchors = frozenset((_word_tokens(s) or [s])[0] for s in spellings)
        return _Item(f"(?:{regex})", anchors, optional)

    def _class(self, name: str, phrase: str) -> _Item:
        if name in self._class_cache:
            return self._class_cache[name]
        if name not in self._class_src:
            raise PhraseError(f"unknown class {{{name}}} in phrase {phrase!r}")
        self._class_cache[name] = _Item("(?!)", None)  # guards against a class naming itself
        compiled = [self._sequence(_TOKEN.findall(entry), 0, entry)[0] for entry in self._class_src[name]]
        regex = "|".join(_join(items) for items in compiled)
        sets = [_anchors(items) for items in compiled]
        anchors = (
            frozenset().union(*(a for a in sets if a is not None))
            if all(a is not None for a in sets)
            else None
        )
        item = _Item(f"(?:{regex})", anchors)
        self._class_cache[name] = item
        return item


def _join(items: Sequence[_Item]) -> str:
    """Join elements with separators; an optional or gap element carries its own separator."""
    parts: list[str] = []
    need_sep = False  # whether the next element must be preceded by a separator
    for item in items:
        if item.gap:
            n = item.regex.rsplit("{", 1)[1]
            parts.append(f"(?:{SEP}{WORD}){{{n}" if need_sep else f"(?:{WORD}{SEP}){{{n}")
            continue
        if not need_sep:
            parts.append(f"(?:{item.regex}{SEP})?" if item.optional else item.regex)
            need_sep = not item.optional
        else:
            parts.append(f"(?:{SEP}{item.regex})?" if item.optional else f"{SEP}{item.regex}")
    return "".join(parts)


_SHORT_COST = {1: 12, 2: 8, 3: 3}


def _anchors(items: Sequence[_Item]) -> frozenset[str] | None:
    """Pick the required element whose tokens are rarest (long tokens are rarer than short)."""
    best: frozenset[str] | None = None
    best_cost = float("inf")
    for item in items:
        if item.optional or item.gap or item.anchors is None:
            continue
        cost = sum(_SHORT_COST.get(len(t), 1) for t in item.anchors)
        if cost < best_cost:
            best, best_cost = item.anchors, cost
    return best
