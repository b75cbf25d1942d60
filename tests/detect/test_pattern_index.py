"""The pattern index is only a shortcut: it must find exactly what running every pattern of
every recognizer over the whole text finds (anchors, required words and needles only skip
patterns that cannot match)."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.lexicon import load_knowledge
from notalone.detect.normalize import normalize
from notalone.detect.phrases import literal_trie
from notalone.detect.recognizers import RecognizerResult, find_all

KNOWLEDGE = load_knowledge()
RECOGNIZERS = KNOWLEDGE.recognizers()


def _brute_force(folded: str) -> set[tuple[str, int, int, str, int]]:
    return {
        (rec.kind, start, end, rec.id, p.index)
        for rec in RECOGNIZERS
        for p in rec.patterns
        for start, end in find_all(p.regex, folded)
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
