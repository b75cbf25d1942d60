"""The phrase language of the knowledge files, compiled to regular expressions.

A phrase is words separated by spaces; see docs/lexicon-format.md. ``compile_phrase`` returns
the regex source for the folded text and the anchor tokens: a match always contains one of
them as a whole token, which lets the matcher skip patterns whose anchor is absent.
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

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
    first: frozenset[str] | None = None  # tokens a match must start with, when known
    # Every match holds a token (or bigram "a b") of each of these sets: a message lacking one
    # cannot match, so the regex need not run (anchors pick ONE set to index by; these check all).
    needs: tuple[frozenset[str], ...] = ()
    # For each required word the phrase writes with accents: its folded spellings -> the
    # accents each may carry. A text that writes it with other accents is another word
    # ("nợ" is not "nó", "thi hộ" is not "thì họ").
    accents: tuple[Mapping[str, frozenset[str]], ...] = ()


@dataclass(frozen=True, slots=True)
class _Item:
    regex: str
    anchors: frozenset[str] | None
    optional: bool = False
    gap: bool = False
    single: bool = False  # every spelling is exactly one token (it can open an anchor bigram)
    head: frozenset[str] | None = None  # tokens a match of this element starts with
    # (folded word, accent marks) of each spelling, on plain words only (not groups or classes)
    accents: frozenset[tuple[str, str]] = frozenset()


def fold(text: str) -> str:
    return normalize(text).text


def accent_marks(word: str) -> str:
    """The accents a word carries, whatever their order or placement ("hoà" and "hòa" agree):
    its combining marks sorted, plus "đ"."""
    low = word.lower()
    marks = [ch for ch in unicodedata.normalize("NFD", low) if "\u0300" <= ch <= "\u036f"]
    if "đ" in low:
        marks.append("đ")
    return "".join(sorted(marks))


def _accent_pairs(spellings: Iterable[str]) -> frozenset[tuple[str, str]]:
    pairs = set()
    for spelling in spellings:
        words = _word_tokens(spelling)
        if len(words) == 1:
            pairs.add((words[0], accent_marks(spelling)))
    return frozenset(pairs)


def _accent_map(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]] | None:
    """Only words some spelling writes with accents are checked (a phrase written without
    accents says nothing about them)."""
    allowed: dict[str, set[str]] = {}
    for word, marks in pairs:
        allowed.setdefault(word, set()).add(marks)
    out = {w: frozenset(m) for w, m in allowed.items() if any(m)}
    return out or None


def _required_accents(items: Iterable[_Item]) -> tuple[Mapping[str, frozenset[str]], ...]:
    """Accents of the phrase's required plain words. Only they are sure to be in a match where
    the phrase puts them; a word inside an alternative, an optional part or a class may not
    be what matched (and a gap may hold its look-alike)."""
    out = []
    for item in items:
        if not (item.optional or item.gap):
            allowed = _accent_map(item.accents)
            if allowed:
                out.append(allowed)
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def _word_tokens(text: str) -> tuple[str, ...]:
    return tuple(TOKEN_RE.findall(fold(text)))


class PhraseCompiler:
    def __init__(
        self,
        variants: Mapping[str, Sequence[str]],
        classes: Mapping[str, Sequence[str]],
        common: frozenset[str] | WordCosts = frozenset(),
    ) -> None:
        # frequent words make poor anchors
        self.word_costs = common if isinstance(common, WordCosts) else WordCosts(common)
        self._variants = {fold(k): [fold(v) for v in vs] for k, vs in variants.items()}
        self._written = {fold(k): [k, *vs] for k, vs in variants.items()}  # with accents
        self._class_src = dict(classes)
        self._class_cache: dict[str, _Item] = {}
        self._atom_cache: dict[str, _Item] = {}

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
        # No leading look-behind: a pattern that starts with literals lets the regex engine skip
        # ahead fast. The start-of-word check is done by the caller (see ``at_word_start``).
        return Compiled(
            rf"(?:{body})(?![^\W_])",
            _anchors(items, self.word_costs),
            _head(items),
            _needs(items, self.word_costs),
            _required_accents(items),
        )

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
                group = (
                    inner[0]
                    if len(inner) == 1
                    else _Item(_join(inner), _anchors(inner, self.word_costs), head=_head(inner))
                )
                alternatives[-1].append(
                    _Item(
                        f"(?:{group.regex})",
                        group.anchors,
                        optional,
                        single=group.single,
                        head=group.head,
                    )
                )
                continue
            alternatives[-1].append(self._atom(tok, phrase))
            pos += 1
        if any(not alt for alt in alternatives):
            raise PhraseError(f"empty alternative in phrase {phrase!r}")
        if len(alternatives) == 1:
            return alternatives[0], pos
        single = all(
            len(alt) == 1 and alt[0].single and not alt[0].optional for alt in alternatives
        )
        group = self._alternation(alternatives)
        return [_Item(group.regex, group.anchors, single=single, head=group.head)], pos

    def _alternation(self, alternatives: Sequence[Sequence[_Item]]) -> _Item:
        """One element matching any of several sequences (a group, or a class's entries)."""
        regex = "|".join(_join(alt) for alt in alternatives)
        anchors = _union_all(_anchors(alt, self.word_costs) for alt in alternatives)
        return _Item(f"(?:{regex})", anchors, head=_union_all(_head(alt) for alt in alternatives))

    def _atom(self, tok: str, phrase: str) -> _Item:
        # The same word appears in hundreds of phrases; its element is built once.
        item = self._atom_cache.get(tok)
        if item is None:
            item = self._atom_cache[tok] = self._build_atom(tok, phrase)
        return item

    def _build_atom(self, tok: str, phrase: str) -> _Item:
        if "\\" in tok:
            raise PhraseError(
                f"{tok!r} in phrase {phrase!r} is regex syntax: write a 'regex:' entry"
            )
        if tok in ("...", "...."):
            n = 3 if tok == "..." else 6
            return _Item(f"(?:{SEP}{WORD}){{0,{n}}}", None, gap=True)
        optional = tok.endswith("?") and len(tok) > 1
        if optional:
            tok = tok[:-1]
        if tok == "#":
            # any number: "24", "1.500", and one glued to a short unit: "500k", "3tr", "12h",
            # with the digits people write after the unit: "1tr8" (1.8 million), "3k5", "12h30"
            # ("#?": an optional one, not an optional "#" sign)
            return _Item(r"\d+(?:[.,]\d+)*(?:[^\W\d_]{1,3}\d{0,3}(?![^\W_]))?", None, optional)
        if tok.startswith("{") and tok.endswith("}"):
            item = self._class(tok[1:-1], phrase)
            return _Item(item.regex, item.anchors, optional, head=item.head)
        prefix = tok.endswith("*") and len(tok) > 1
        if prefix:
            tok = tok[:-1]
        words = _word_tokens(tok)
        if not words:
            if prefix or not tok.strip():
                raise PhraseError(f"no letters or digits in {tok!r} of phrase {phrase!r}")
            return _Item(re.escape(tok), None, optional)  # a symbol such as "&" or "$"
        if len(words) > 1:  # "a/e", "e-mail": several tokens typed as one word
            regex = SEP.join(re.escape(w) for w in words)
            if prefix:
                regex += WORD.replace("+", "*")
            return _Item(f"(?:{regex})", frozenset([words[0]]), optional, head=frozenset(words[:1]))
        word = words[0]
        spellings = sorted({word, *self._variants.get(word, ())}, key=lambda s: (-len(s), s))
        alts = [SEP.join(re.escape(w) for w in _word_tokens(s) or [s]) for s in spellings]
        regex = "|".join(alts)
        if prefix:
            # Prefix anchors end in "*": the index matches them against the start of a token.
            prefixes = frozenset(f"{(_word_tokens(s) or [s])[0]}*" for s in spellings)
            return _Item(f"(?:{regex})[^\\W_]*", prefixes, optional)
        anchors = frozenset((_word_tokens(s) or [s])[0] for s in spellings)
        single = all(len(_word_tokens(s)) == 1 for s in spellings)
        accents = _accent_pairs([tok, *self._written.get(word, ())])
        return _Item(
            f"(?:{regex})", anchors, optional, single=single, head=anchors, accents=accents
        )

    def _class(self, name: str, phrase: str) -> _Item:
        if name in self._class_cache:
            return self._class_cache[name]
        if name not in self._class_src:
            raise PhraseError(f"unknown class {{{name}}} in phrase {phrase!r}")
        self._class_cache[name] = _Item("(?!)", None)  # guards against a class naming itself
        compiled = [
            self._sequence(_TOKEN.findall(entry), 0, entry)[0] for entry in self._class_src[name]
        ]
        item = self._alternation(compiled)
        self._class_cache[name] = item
        return item


def _head(items: Sequence[_Item]) -> frozenset[str] | None:
    """Tokens every match of the sequence starts with (None when the start is open)."""
    if not items or items[0].optional or items[0].gap:
        return None
    return items[0].head


def _needs(items: Sequence[_Item], costs: WordCosts) -> tuple[frozenset[str], ...]:
    """The token sets of every required element whose words are whole tokens (prefix elements
    are left out: their tokens are open-ended). Rarest first, so a check fails early."""
    slots = {
        item.anchors
        for item in items
        if not (item.optional or item.gap)
        and item.anchors
        and not any(t.endswith("*") for t in item.anchors)
    }
    return tuple(sorted(slots, key=lambda s: (token_set_cost(s, costs), sorted(s))))


def _union_all(sets: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    """The union of token sets, or None when one alternative guarantees no token."""
    out: frozenset[str] = frozenset()
    for tokens in sets:
        if tokens is None:
            return None
        out |= tokens
    return out


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


@dataclass(frozen=True)
class WordCosts:
    """How often words occur in ordinary text, roughly: anchors should be rare words.
    ``common``: function words; ``frequent``: everyday words (data/languages.yaml)."""

    common: frozenset[str] = frozenset()
    frequent: frozenset[str] = frozenset()

    def __contains__(self, token: object) -> bool:
        return token in self.common or token in self.frequent


_NO_COSTS = WordCosts()


def _token_cost(token: str, costs: WordCosts) -> float:
    if token.endswith("*"):
        return 3 if len(token) > 4 else 15
    if token in costs.common:
        return 20
    if token in costs.frequent:
        return 6
    return _SHORT_COST.get(len(token), 1)


@functools.lru_cache(maxsize=65536)
def token_set_cost(tokens: frozenset[str], costs: WordCosts) -> float:
    """How often a message holds one of these tokens, roughly (what anchors are chosen by)."""
    return sum(_token_cost(t, costs) for t in tokens)


@functools.lru_cache(maxsize=65536)
def _pair_cost(first: frozenset[str], head: frozenset[str], costs: WordCosts) -> float:
    a_costs = [_token_cost(a, costs) for a in first]
    b_costs = [_token_cost(b, costs) for b in head]
    return 0.02 * sum(min(ca, cb) for ca in a_costs for cb in b_costs)


def _anchors(items: Sequence[_Item], common: WordCosts | None = None) -> frozenset[str] | None:
    """Pick what every match must contain that is rarest in ordinary text.

    Candidates are one required element (its tokens) or two adjacent required elements as a
    bigram "a b" (Vietnamese syllables are common alone, rare in pairs: "khach san").
    """
    common = common if common is not None else _NO_COSTS
    best: frozenset[str] | None = None
    best_cost = float("inf")
    for i, item in enumerate(items):
        if item.optional or item.gap or item.anchors is None:
            continue
        cost = token_set_cost(item.anchors, common)
        if cost < best_cost:
            best, best_cost = item.anchors, cost
        nxt = items[i + 1] if i + 1 < len(items) else None
        # A bigram pairs this element's words with the FIRST words of the next element (its
        # head), so the pair is two adjacent tokens of the text: "tat" + "chia" from
        # "tắt (chia sẻ|định vị)", never "tat chia se".
        head = nxt.head if nxt and not (nxt.optional or nxt.gap) else None
        if (
            item.single
            and head
            and len(item.anchors) * len(head) <= 64
            and not any(b.endswith("*") for b in head)
        ):
            pair_cost = _pair_cost(item.anchors, head, common)
            if pair_cost < best_cost:
                best = frozenset(f"{a} {b}" for a in item.anchors for b in head)
                best_cost = pair_cost
    return best


def literal_trie(literals: Iterable[str]) -> str:
    """One regex matching any of ``literals``, built as a trie. Python's ``re`` tries the
    alternatives of ``a|b|c`` one after another at every position; a trie branches on one
    character at a time, so hundreds of literals cost about as much as a handful. At a given
    position it matches the LONGEST literal that occurs there."""
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def at_word_start(text: str, start: int) -> bool:
    """True when ``start`` does not cut a word (the look-behind the regexes leave out)."""
    return start == 0 or not text[start - 1].isalnum()


def _sre_parser() -> Any:
    """The stdlib's own regex parser (read-only use; it has no type stubs)."""
    return importlib.import_module("re._parser")


def regex_anchors(source: str) -> frozenset[str] | None:
    """Whole words that every match of a hand-written regex must begin with, when evident.

    Handles the common shape: an optional \\b, then a literal word or a group of literal
    alternatives, followed by something that ends the word. Anything else runs on every message.
    """
    parser = _sre_parser()

    try:
        parsed = parser.parse(source)
    except re.error:
        return None
    items = list(parsed.data)
    while items and items[0][0] in (parser.AT, parser.ASSERT, parser.ASSERT_NOT):
        items.pop(0)  # zero-width: the first word still starts the match
    words = _leading_literals(items, None, parser)
    return frozenset(words) if words else None


def _leading_literals(items: list[Any], follow: Any, p: Any) -> list[str] | None:
    """Leading whole words of a parsed regex sequence; ``follow`` is what comes after it."""
    if not items:
        return None
    op, av = items[0]
    rest = items[1] if len(items) > 1 else follow
    if op is p.SUBPATTERN:
        return _leading_literals(list(av[3].data), rest, p)
    if op is p.BRANCH:
        out: list[str] = []
        for alt in av[1]:
            sub = _leading_literals(list(alt.data), rest, p)
            if not sub:
                return None
            out.extend(sub)
        return out
    chars: list[str] = []
    for op2, av2 in items:
        if op2 is not p.LITERAL:
            break
        chars.append(chr(av2))
    word = "".join(chars)
    token = TOKEN_RE.match(word)
    if not token:
        return None
    if token.end() == len(word):
        # The literal run stops where the regex goes on: only a whole word if what follows
        # cannot continue it (whitespace, \\W, punctuation, \\b).
        nxt = items[len(chars)] if len(chars) < len(items) else follow
        if nxt is None or not _ends_word(nxt, p):
            return None
    return [token.group()]


def _ends_word(item: Any, p: Any) -> bool:
    op, av = item
    if op is p.AT:
        return True
    if op is p.IN:
        return all(
            (o is p.CATEGORY and a in (p.CATEGORY_SPACE, p.CATEGORY_NOT_WORD))
            or (o is p.LITERAL and not chr(a).isalnum())
            for o, a in av
        )
    if op in (p.MAX_REPEAT, p.MIN_REPEAT):
        lo, _, sub = av
        return bool(lo) and bool(sub.data) and _ends_word(sub.data[0], p)
    if op is p.LITERAL:
        return not chr(av).isalnum()
    return False


DIGIT = "#digit"
INNER_DOT = "#innerdot"  # a "." followed by something other than a space
ANY_OF = "#any:"  # + characters: one of them is present


def _starts_unspaced(item: Any, p: Any) -> bool:
    """Whether every match of this regex element starts with a character that is not a space."""
    op, av = item
    if op is p.LITERAL:
        return not chr(av).isspace()
    if op is p.IN:
        return all(
            (o is p.LITERAL and not chr(a).isspace())
            or (o is p.RANGE)
            or (o is p.CATEGORY and a in (p.CATEGORY_DIGIT, p.CATEGORY_WORD))
            for o, a in av
        )
    if op is p.SUBPATTERN:
        data = list(av[3].data)
        return bool(data) and _starts_unspaced(data[0], p)
    if op is p.BRANCH:
        return all(bool(alt.data) and _starts_unspaced(alt.data[0], p) for alt in av[1])
    if op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
        lo, _, sub = av
        return bool(lo) and bool(sub.data) and _starts_unspaced(sub.data[0], p)
    return False


def regex_start_words(source: str) -> frozenset[str] | None:
    """The words one of which must open the text for a regex anchored at its start
    (``^\\W*(u|you|are you)\\s+1[0-7]``: the text's first token is "u", "you" or "are"), or
    None. Such a regex can only match where the text begins, so the index runs it only on
    texts whose first token is one of them, not on every message."""
    parser = _sre_parser()
    try:
        parsed = parser.parse(source)
    except re.error:
        return None
    if parsed.state.flags & re.MULTILINE:
        return None  # "^" would match at every line start ("(?m)", "(?sm)", ...)
    items = list(parsed.data)
    if not items or items[0] != (parser.AT, parser.AT_BEGINNING):
        return None
    items.pop(0)
    if items and _skips_non_words(items[0], parser):
        items.pop(0)  # "\\W*": the first word still opens the text
    words = _leading_literals(items, None, parser)
    return frozenset(words) if words else None


def _skips_non_words(item: Any, p: Any) -> bool:
    """``\\W*`` or ``[\\W_]*`` (what may stand before the first word)."""
    op, av = item
    if op not in (p.MAX_REPEAT, p.MIN_REPEAT) or av[0] != 0:
        return False
    sub = list(av[2].data)
    if len(sub) != 1 or sub[0][0] is not p.IN:
        return False
    allowed = {(p.CATEGORY, p.CATEGORY_NOT_WORD), (p.LITERAL, ord("_"))}
    return all(x in allowed for x in sub[0][1])


def regex_requirements(source: str) -> frozenset[str]:
    """Characters every match of a regex must contain (punctuation, and ``DIGIT`` for \\d).

    A regex that cannot be anchored on a word still need not run on every message: one that
    needs a "." only runs where there is a dot.
    """
    parser = _sre_parser()

    try:
        parsed = parser.parse(source)
    except re.error:
        return frozenset()
    return frozenset(_mandatory(list(parsed.data), parser))


def _digit_class_item(op: Any, av: Any, p: Any) -> bool:
    """An item of a character class that only ever matches an ASCII digit."""
    if op is p.CATEGORY:
        return bool(av is p.CATEGORY_DIGIT)
    if op is p.LITERAL:
        return "0" <= chr(av) <= "9"
    if op is p.RANGE:
        return bool(ord("0") <= av[0] <= av[1] <= ord("9"))
    return False


def _mandatory(items: list[Any], p: Any) -> set[str]:
    out: set[str] = set()
    for i, (op, av) in enumerate(items):
        if op is p.LITERAL:
            ch = chr(av)
            if ch == "." and i + 1 < len(items) and _starts_unspaced(items[i + 1], p):
                out.add(INNER_DOT)  # "bit.ly", "1.2": not the full stop ending a sentence
            elif "0" <= ch <= "9":
                out.add(DIGIT)  # "1[0-7]": a literal digit is a digit
            elif not ch.isalnum() and not ch.isspace():
                out.add(ch)
        elif op is p.IN:
            if av and all(_digit_class_item(o, a, p) for o, a in av):
                out.add(DIGIT)  # "\d", "[0-7]", "[89]"
            elif av and all(o is p.LITERAL and not chr(a).isalnum() for o, a in av):
                # one of a few punctuation marks ("[-.]"): needs any of them
                out.add(ANY_OF + "".join(sorted(chr(a) for _, a in av)))
        elif op is p.SUBPATTERN:
            out |= _mandatory(list(av[3].data), p)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
            lo, _, sub = av
            if lo:
                out |= _mandatory(list(sub.data), p)
        elif op is p.BRANCH:
            alts = [_mandatory(list(alt.data), p) for alt in av[1]]
            out |= set.intersection(*alts) if alts else set()
    return out


def regex_needles(source: str, costs: WordCosts | None = None) -> tuple[str, ...]:
    """Substrings of which every match of a regex contains at least one ("." + a TLD, say).

    Runs of literal characters (and groups of literal alternatives) in the regex's top-level
    sequence are mandatory; the most selective run wins: the one whose needles are least
    likely in ordinary text by ``costs`` when given ("len", "vao" are everyday words), else
    the longest. Empty when none is evident.
    """
    parser = _sre_parser()
    try:
        parsed = parser.parse(source)
    except re.error:
        return ()
    best: set[str] = set()
    current: set[str] = {""}

    def better(a: set[str], b: set[str]) -> bool:
        if costs is not None:
            return _needle_cost(a, costs) < _needle_cost(b, costs)
        return _selectivity(a) > _selectivity(b)

    def flush() -> None:
        nonlocal best, current
        if min(map(len, current)) >= 2 and (not best or better(current, best)):
            best = current
        current = {""}

    for op, av in parsed.data:
        alternatives = _literal_alternatives(op, av, parser)
        if alternatives is None or len(current) * len(alternatives) > 64:
            flush()
            continue
        current = {c + a for c in current for a in alternatives}
    flush()
    return tuple(sorted(best))


def _selectivity(needles: set[str]) -> float:
    return min(map(len, needles)) - 0.05 * len(needles)


def _needle_cost(needles: set[str], costs: WordCosts) -> float:
    """How often a message holds one of these substrings, roughly: a whole everyday word is
    likely, a short run is likely, a long one is not."""
    total = 0.0
    for needle in needles:
        word = needle.strip()
        if word in costs.common:
            total += 40  # in a large share of messages: worth dozens of rare needles
        elif word in costs.frequent:
            total += 15
        else:
            total += _SHORT_COST.get(len(needle), 1)
    return total


def _literal_alternatives(op: Any, av: Any, p: Any) -> list[str] | None:
    """Every string this element can match, when it is literal (or literal alternatives)."""
    if op is p.LITERAL:
        return [chr(av)]
    if op is p.SUBPATTERN:
        return _literal_sequence(list(av[3].data), p, prefix_ok=False)
    if op is p.BRANCH:
        out: list[str] = []
        for alt in av[1]:
            seq = _literal_sequence(list(alt.data), p, prefix_ok=False)
            if seq is None:
                return None
            out.extend(seq)
        return out
    return None


def _literal_sequence(items: list[Any], p: Any, *, prefix_ok: bool) -> list[str] | None:
    out = [""]
    for o, a in items:
        alts = _literal_alternatives(o, a, p)
        if alts is None:
            return out if prefix_ok and min(map(len, out)) >= 2 else None
        out = [x + y for x in out for y in alts]
        if len(out) > 64:
            return None
    return out


def leading_needles(source: str) -> tuple[str, ...]:
    """The literal prefixes a match must start with (``(don\\W?t|do not|dnt)`` -> "dnt",
    "do not", "don"); empty when some way of matching starts with no literal."""
    parser = _sre_parser()
    try:
        items = list(parser.parse(source).data)
    except re.error:
        return ()
    while items and items[0][0] in (parser.AT, parser.ASSERT, parser.ASSERT_NOT):
        items.pop(0)
    prefixes, _ = _prefix_set(items, parser)
    if not prefixes or min(map(len, prefixes)) < 2 or len(prefixes) > 256:
        return ()
    return tuple(sorted(set(prefixes)))


def _prefix_set(items: list[Any], p: Any) -> tuple[list[str], bool]:
    """(prefixes every match of the sequence starts with, whether they are the whole match)."""
    out = [""]
    for op, av in items:
        if op is p.LITERAL:
            out = [x + chr(av) for x in out]
            continue
        if op is p.SUBPATTERN:
            subs, complete = _prefix_set(list(av[3].data), p)
        elif op is p.BRANCH:
            parts = [_prefix_set(list(alt.data), p) for alt in av[1]]
            subs = [y for ys, _ in parts for y in ys]
            complete = all(c for _, c in parts)
        else:
            return out, False
        out = [x + y for x in out for y in subs]
        if not complete or len(out) > 256:
            return out, False
    return out, True


def regex_token_needs(source: str, costs: WordCosts | None = None) -> tuple[frozenset[str], ...]:
    """Sets of tokens (or token bigrams "a b") of which every match of a hand-written regex
    holds one each, rarest set first: the literal words of its top-level sequence that stand
    between word ends. ``\\b(em|e) (1[0-7])t\\b`` needs one of {em, e} and one of {10t .. 17t},
    so it need not run on a message that lacks either (matches start at a word start, see
    ``find_all``, so the regex's first word is whole on its left)."""
    parser = _sre_parser()
    try:
        items = _transparent_flat(list(parser.parse(source).data), parser)
    except re.error:
        return ()
    out: set[frozenset[str]] = set()
    i = 0
    while i < len(items):
        strings: list[str] | None = None
        j = i
        while j < len(items):
            alts = _small_literal_alternatives(items[j], parser)
            if alts is None or len(strings or [""]) * len(alts) > 64:
                break
            strings = [x + y for x in strings or [""] for y in alts]
            j += 1
        if strings is None:
            i += 1
            continue
        before = _non_token_before(items, i, parser)
        after = _non_token_after(items, j, parser)
        keys = {_whole_token_key(s, before, after) for s in strings}
        if keys and None not in keys:
            out.add(frozenset(k for k in keys if k is not None))
        i = j
    cost = costs if costs is not None else _NO_COSTS
    return tuple(sorted(out, key=lambda s: (token_set_cost(s, cost), sorted(s))))


def _transparent_flat(items: list[Any], p: Any) -> list[Any]:
    """The sequence with plain groups opened up (a group of one sequence is that sequence)."""
    out: list[Any] = []
    for op, av in items:
        if op is p.SUBPATTERN and not (len(av[3].data) == 1 and av[3].data[0][0] is p.BRANCH):
            out.extend(_transparent_flat(list(av[3].data), p))
        else:
            out.append((op, av))
    return out


def _small_literal_alternatives(item: Any, p: Any) -> list[str] | None:
    """Every string an element matches when it is literal, literal alternatives or a small
    class of literal characters ("[0-7]")."""
    op, av = item
    if op is p.IN:
        chars: list[str] = []
        for o, a in av:
            if o is p.LITERAL:
                chars.append(chr(a))
            elif o is p.RANGE and a[1] - a[0] < 16:
                chars.extend(chr(c) for c in range(a[0], a[1] + 1))
            else:
                return None
        return chars or None
    if op is p.SUBPATTERN:
        return _small_literal_run(list(av[3].data), p)
    if op is p.BRANCH:
        out: list[str] = []
        for alt in av[1]:
            seq = _small_literal_run(list(alt.data), p)
            if seq is None:
                return None
            out.extend(seq)
        return out
    if op is p.LITERAL:
        return [chr(av)]
    return None


def _small_literal_run(items: list[Any], p: Any) -> list[str] | None:
    out = [""]
    for item in items:
        alts = _small_literal_alternatives(item, p)
        if alts is None or len(out) * len(alts) > 64:
            return None
        out = [x + y for x in out for y in alts]
    return out


def _non_token_char(item: Any, p: Any) -> bool | None:
    """True when the element matches at least one character and none of its characters can be
    a token character; None when it may also match nothing (``\\s*``); False otherwise."""
    op, av = item
    if op is p.LITERAL:
        return not chr(av).isalnum()
    if op is p.IN:
        return all(
            (o is p.CATEGORY and a in (p.CATEGORY_SPACE, p.CATEGORY_NOT_WORD))
            or (o is p.LITERAL and not chr(a).isalnum())
            for o, a in av
        )
    if op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
        lo, _, sub = av
        if len(sub.data) != 1 or not _non_token_char(sub.data[0], p):
            return False
        return True if lo else None
    return False


def _non_token_before(items: list[Any], i: int, p: Any) -> bool:
    """Whether the character before position ``i`` of the sequence is never a token character
    (or the match starts there, at a word start)."""
    k = i - 1
    while k >= 0:
        op, av = items[k]
        if op is p.AT:
            if av in (p.AT_BOUNDARY, p.AT_BEGINNING, p.AT_BEGINNING_STRING):
                return True
            if av is p.AT_NON_BOUNDARY:
                return False
            k -= 1
            continue
        if op in (p.ASSERT, p.ASSERT_NOT):
            k -= 1
            continue
        kind = _non_token_char(items[k], p)
        if kind is None:  # may be empty: what stands before it decides
            k -= 1
            continue
        return bool(kind)
    return True  # the start of the match: a word start


def _non_token_after(items: list[Any], j: int, p: Any) -> bool:
    """Whether the character after the element before ``j`` is never a token character."""
    k = j
    while k < len(items):
        op, av = items[k]
        if op is p.AT:
            return av in (p.AT_BOUNDARY, p.AT_END, p.AT_END_STRING)
        if op is p.ASSERT_NOT and av[0] == 1:  # (?!...) ahead
            if len(av[1].data) == 1 and _is_token_class(av[1].data[0], p):
                return True
            k += 1
            continue
        if op in (p.ASSERT, p.ASSERT_NOT):
            k += 1
            continue
        kind = _non_token_char(items[k], p)
        if kind is None:
            k += 1
            continue
        return bool(kind)
    return False  # the regex ends here: the text may go on with the same word


def _is_token_class(item: Any, p: Any) -> bool:
    """``[^\\W_]`` or ``\\w``: a lookahead that forbids it means the word ends here."""
    op, av = item
    if op is not p.IN:
        return False
    members = list(av)
    if members and members[0][0] is p.NEGATE:
        # [^\\W] or [^\\W_]: anything more inside would let that character through
        rest = set(members[1:])
        return (p.CATEGORY, p.CATEGORY_NOT_WORD) in rest and rest <= {
            (p.CATEGORY, p.CATEGORY_NOT_WORD),
            (p.LITERAL, ord("_")),
        }
    return any(o is p.CATEGORY and a is p.CATEGORY_WORD for o, a in members)


def _whole_token_key(text: str, before: bool, after: bool) -> str | None:
    """A token of ``text`` (or a bigram of two of its tokens in a row) that is whole wherever
    ``text`` matches: a bigram when there is one (rarer), else the longest whole token."""
    whole: list[tuple[int, str]] = []
    tokens = list(TOKEN_RE.finditer(text.lower()))
    for n, m in enumerate(tokens):
        if (m.start() > 0 or before) and (m.end() < len(text) or after):
            whole.append((n, m.group()))
    for (n1, t1), (n2, t2) in pairwise(whole):
        if n2 == n1 + 1:
            return f"{t1} {t2}"
    if not whole:
        return None
    return max(whole, key=lambda w: (len(w[1]), w[1]))[1]
