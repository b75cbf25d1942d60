"""The pattern index is only a shortcut: it must find exactly what running every pattern of
every recognizer over the whole text finds (anchors, required words and needles only skip
patterns that cannot match)."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.lexicon import load_knowledge
from notalone.detect.normalize import normalize
from notalone.detect.phrases import PhraseCompiler, literal_trie
from notalone.detect.recognizers import (
    Pattern,
    PatternIndex,
    PatternRecognizer,
    RecognizerResult,
    pattern_spans,
)

KNOWLEDGE = load_knowledge()
RECOGNIZERS = KNOWLEDGE.recognizers()


def _brute_force(folded: str) -> set[tuple[str, int, int, str, int]]:
    return {
        (rec.kind, start, end, rec.id, p.index)
        for rec in RECOGNIZERS
        for p in rec.patterns
        for start, end in pattern_spans(p, folded)
    }


def _key(results: list[RecognizerResult]) -> set[tuple[str, int, int, str, int]]:
    return {(r.kind, r.start, r.end, r.recognizer, r.pattern) for r in results}


def _indexed(folded: str) -> set[tuple[str, int, int, str, int]]:
    norm = normalize(folded)
    return _key(KNOWLEDGE.index.analyze(norm)) | _key(KNOWLEDGE.context_index.analyze(norm))


def _example_texts() -> list[str]:
    texts: list[str] = []
    for pack in KNOWLEDGE.packs.values():
        for examples in pack.examples.values():
            texts.extend(ex.text for ex in examples)
    return texts


def test_the_index_splits_every_pattern_between_its_two_parts() -> None:
    total = sum(len(r.patterns) for r in RECOGNIZERS)
    assert len(KNOWLEDGE.index) + len(KNOWLEDGE.context_index) == total


def test_the_index_finds_what_running_every_pattern_finds_on_the_lexicon_examples() -> None:
    texts = _example_texts()
    assert len(texts) > 500, "lexicon examples should be reachable from the recognizers"
    rng = random.Random(5)
    # Each example alone, and pairs glued together: patterns meet in one message.
    samples = texts + [f"{rng.choice(texts)} {rng.choice(texts)}" for _ in range(300)]
    for text in samples:
        folded = normalize(text, KNOWLEDGE.vocabulary).text
        assert _indexed(folded) == _brute_force(folded), text


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(sorted(KNOWLEDGE.vocabulary)), min_size=1, max_size=12))
def test_the_index_finds_what_running_every_pattern_finds_on_lexicon_words(
    words: list[str],
) -> None:
    folded = normalize(" ".join(words), KNOWLEDGE.vocabulary).text
    assert _indexed(folded) == _brute_force(folded)


@given(st.sets(st.text(alphabet="ab.-x", min_size=1, max_size=5), min_size=1, max_size=8))
def test_a_literal_trie_matches_the_longest_literal_at_each_position(
    literals: set[str],
) -> None:
    regex = re.compile(literal_trie(literals))
    text = "".join(sorted(literals)) + "xab.-"
    for pos in range(len(text)):
        m = regex.match(text, pos)
        here = [lit for lit in literals if text.startswith(lit, pos)]
        if here:
            assert m is not None and m.group() == max(here, key=len)
        else:
            assert m is None


def _index_of(*phrases: str) -> PatternIndex:
    compiler = PhraseCompiler({"không": ["ko", "k", "hông"]}, {})
    patterns = []
    for i, phrase in enumerate(phrases):
        c = compiler.compile(phrase)
        patterns.append(
            Pattern(
                c.regex, c.anchors, 0.7, phrase, i, first=c.first, needs=c.needs, accents=c.accents
            )
        )
    return PatternIndex([PatternRecognizer("vi.test.v1", "money_demand", "vi", patterns)])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("anh có khoản nợ xấu phải trả", True),
        ("anh co khoan no xau phai tra", True),  # typed without accents: could be either
        ("cái áo đó nó xấu lắm", False),  # accents say it is another word
        ("cái áo đó NÓ XẤU lắm", False),
        ("khoản nợ xâú", True),  # tone mark placed on another letter: the same word
        ("thì họ bảo vậy", False),
        ("tìm người thi hộ", True),
        ("thi hộ không? thì họ nói", True),  # one agreeing occurrence is enough
    ],
)
def test_a_word_written_with_other_accents_is_another_word(text: str, found: bool) -> None:
    index = _index_of("nợ xấu", "thi hộ")
    assert bool(index.analyze(normalize(text))) == found


def test_words_in_alternatives_and_gaps_are_not_held_to_accents() -> None:
    index = _index_of("gửi ... (ảnh|hình) ... (tắm|tấm) đi")
    assert index.analyze(normalize("gửi anh vài tấm hình tấm đi"))
    assert index.analyze(normalize("gửi anh tấm ảnh tắm đi"))
