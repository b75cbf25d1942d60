"""A hand-written regex is gated by the whole words it needs: each set holds one token (or
token bigram) that every match contains, so a message lacking all of a set's words cannot
match. A wrong set would make the index skip a pattern that matches, so the sets are also
checked against real matches."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.phrases import TOKEN_RE, regex_token_needs
from notalone.detect.recognizers import find_all


@pytest.mark.parametrize(
    ("regex", "needs"),
    [
        (r"\b(em|be) (1[0-7])t\b", [{f"{w} 1{d}t" for w in ("em", "be") for d in range(8)}]),
        # after an optional group the number may follow a letter: only the pronoun is sure
        (r"\b(em|be)\s+(moi)?(1[0-7])t\b", [{"em", "be"}]),
        (r"\ba\s*[/.-]\s*s\s*[/.-]\s*l\b", [{"a"}, {"s"}, {"l"}]),
        (r"\bfoo bar baz\b", [{"foo bar"}]),
        (r"foo(?![^\W_])", [{"foo"}]),
        (r"(?<!\bnot )\bsend (money|cash)\b", [{"send money", "send cash"}]),
    ],
)
def test_whole_words_a_regex_needs(regex: str, needs: list[set[str]]) -> None:
    assert sorted(map(sorted, regex_token_needs(regex))) == sorted(map(sorted, needs))


@pytest.mark.parametrize(
    "regex",
    [
        r"foobar",  # the word may go on after the regex ends ("foobars")
        r"foo(?![^\W_x])",  # "foox" may follow
        r"foo\B",
        r"abc|def",  # alternatives at the top: no element is required by both
        r"\bfoo(bar)?\b",  # "foo" may be followed by "bar" in the same word
        r"\bx\w+",
    ],
)
def test_no_word_is_claimed_where_the_match_may_cut_a_word(regex: str) -> None:
    assert regex_token_needs(regex) == ()


REGEXES = [
    r"\b(em|be) (1[0-7])t\b",
    r"\ba\s*[/.-]\s*s\s*[/.-]\s*l\b",
    r"\bfoo bar baz\b",
    r"(?<!\bnot )\bsend (money|cash)\b",
    r"\b(or|else)\s+(ur|your)\s+pics?\b",
]
WORDS = [
    "em",
    "be",
    "12t",
    "19t",
    "a",
    "s",
    "l",
    "/",
    "-",
    ".",
    "foo",
    "bar",
    "baz",
    "not",
    "send",
    "money",
    "cash",
    "or",
    "else",
    "ur",
    "your",
    "pic",
    "pics",
    "x",
    "_",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=10), st.sampled_from(["", " ", "."]))
def test_every_match_holds_a_word_of_each_set(words: list[str], glue: str) -> None:
    text = glue.join(words) if glue else "".join(words)
    tokens = TOKEN_RE.findall(text)
    present = set(tokens) | {" ".join(pair) for pair in pairwise(tokens)}
    for regex in REGEXES:
        if find_all(re.compile(regex), text):
            for needed in regex_token_needs(regex):
                assert not needed.isdisjoint(present), (regex, text, needed)
