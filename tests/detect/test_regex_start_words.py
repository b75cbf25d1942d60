"""A regex anchored at the text's start ("^\\W*(u|you) 1[0-7]") is gated by the text's first
word: the index runs it only where that word opens the message. A wrong set would make the
index skip a message the regex matches, so the sets are checked against real matches too."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.phrases import TOKEN_RE, regex_start_words


@pytest.mark.parametrize(
    ("regex", "words"),
    [
        (r"^\W*(u|you|r u|are you)\s+(1[0-7])\W*$", {"u", "you", "r", "are"}),
        (r"^[\W_]*(hey|yo)\s+there", {"hey", "yo"}),
    ],
)
def test_words_that_must_open_the_text(regex: str, words: set[str]) -> None:
    assert regex_start_words(regex) == frozenset(words)


@pytest.mark.parametrize(
    "regex",
    [
        r"\W*(u|you)\s+1[0-7]",  # not anchored: may match anywhere
        r"(?m)^\W*(u|you)\s+1[0-7]",  # "^" at every line start
        r"^\W*(1[0-7])\s*yo",  # a number run that may go on ("12yo" is one token)
        r"^\W*((well|so)\W+)?(i|we)\s+saved",  # an optional first word
        r"^\W*(u|[a-z]+ u)\s+x",  # one way in has no literal word
        r"^\W*(foo)(bar)?\b",  # "foo" may go on in the same word
        r"^a|b",  # the "^" holds for one alternative only
        # not proven to end the word (an optional group, or the parser's shared prefix of
        # "hey|hi"): nothing is claimed, the regex keeps its other gates
        r"^(middle|jr high)( school)?\W*$",
        r"^\W*(hey|hi)\s+there",
    ],
)
def test_no_word_is_claimed_where_the_text_may_open_otherwise(regex: str) -> None:
    assert regex_start_words(regex) is None


REGEXES = [
    r"^\W*(u|you|r u|are you|ya)\s+(1[0-7]|twelve)\s*(right|now)?\W*$",
    r"^[\W_]*(hey|yo)\s+(there|u)\b",
    r"^\W*(u|jr high|middle)\s+(school|lol)\W*$",
]
WORDS = [
    "u",
    "you",
    "r",
    "are",
    "ya",
    "hey",
    "hi",
    "yo",
    "there",
    "middle",
    "school",
    "jr",
    "high",
    "lol",
    "tho",
    "right",
    "now",
    "12",
    "15",
    "twelve",
    "x",
    "youre",
]
SEPARATORS = [" ", "  ", "!", "?? ", "_", "-", ". ", "...", "\n", ":) "]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
    st.lists(st.sampled_from(SEPARATORS), min_size=6, max_size=6),
)
def test_a_text_the_regex_matches_opens_with_one_of_its_words(
    words: list[str], seps: list[str]
) -> None:
    text = seps[0] + "".join(w + s for w, s in zip(words, seps[1:], strict=False)).rstrip()
    opening = TOKEN_RE.search(text)
    for regex in REGEXES:
        starts = regex_start_words(regex)
        assert starts is not None
        if re.search(regex, text):
            assert opening is not None and opening.group() in starts, (regex, text)


def test_multiline_in_any_flag_spelling_claims_no_start_word() -> None:
    for regex in (r"(?sm)^\W*(u|you)\s+x", r"(?xm)^\W*(u|you)\s+x", r"(?m)^(u|you)\s+x"):
        assert regex_start_words(regex) is None, regex
