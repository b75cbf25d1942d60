"""The phrase language compiles to regexes that match every spelling and carry anchors."""

from __future__ import annotations

import re

import pytest

from notalone.detect.normalize import normalize
from notalone.detect.phrases import PhraseCompiler, PhraseError

COMPILER = PhraseCompiler(
    {"khong": ["ko", "k", "hok"], "duoc": ["dc", "dk"], "voi": ["vs"]},
    {"family": ["bố mẹ", "gia đình", "bố", "mẹ"]},
)


@pytest.mark.parametrize(
    ("phrase", "text", "match"),
    [
        ("không (được|nên) (nói|kể) ... {family}", "em ko dc kể chuyện này vs bố mẹ", True),
        ("không (được|nên) (nói|kể) ... {family}", "em không được kể với ai", False),
        ("chặn? số {family}", "số bố mẹ", True),
        ("tắt (máy|điện thoại)? ngay", "tắt ngay", True),
        ("transfer* money", "I transferred money", True),
        ("transfer* money", "money transfer", False),
        ("a ... b", "a x y z b", True),
        ("a ... b", "a x y z w b", False),
        ("a .... b", "a x y z w v u b", True),
        ("chuyển tiền", "chuyểntiền", False),
        ("chuyển tiền", "CHUYỂN-TIỀN", True),
        ("a/e", "a/e oi", True),
    ],
)
def test_phrase_matches(phrase: str, text: str, match: bool) -> None:
    compiled = COMPILER.compile(phrase)
    assert bool(re.search(compiled.regex, normalize(text).text)) is match


def test_anchor_is_the_rarest_required_word() -> None:
    # Two adjacent words make a bigram anchor: rarer than either word alone.
    assert COMPILER.compile("không được nói với {family}").anchors == frozenset(
        {"noi voi", "noi vs"}
    )
    assert COMPILER.compile("transfer* money").anchors == frozenset({"money"})
    # A prefix word anchors on the start of a token.
    assert COMPILER.compile("... transfer*").anchors == frozenset({"transfer*"})


def test_first_tokens_say_where_a_match_can_start() -> None:
    assert COMPILER.compile("(không|chưa) được nói").first == frozenset(
        {"khong", "ko", "k", "hok", "chua"}
    )
    assert COMPILER.compile("{family} ơi").first == frozenset({"bo", "gia", "me"})
    assert COMPILER.compile("không? được nói").first is None


@pytest.mark.parametrize("phrase", ["", "(a|b", "a)", "(a|)", "{nope}", "..."])
def test_bad_phrases_are_rejected_with_a_reason(phrase: str) -> None:
    with pytest.raises(PhraseError):
        COMPILER.compile(phrase)


def test_hash_is_any_number_and_regex_syntax_is_refused() -> None:
    compiled = COMPILER.compile("(you|u) have # hours")
    assert re.search(compiled.regex, normalize("u have 24 hours").text)
    with pytest.raises(PhraseError, match="regex syntax"):
        COMPILER.compile(r"you have \d+ hours")


@pytest.mark.parametrize(
    ("text", "match"),
    [("a one-time 50 processing fee", True), ("a one-time processing fee", True),
     ("a one-time 50k processing fee", True), ("a one-time big processing fee", False)],
)  # fmt: skip
def test_an_optional_number_is_a_number_not_a_hash_sign(text: str, match: bool) -> None:
    compiled = COMPILER.compile("a one-time #? processing fee")
    assert (re.search(compiled.regex, normalize(text).text) is not None) == match


@pytest.mark.parametrize(
    ("text", "match"),
    [("chuyển 500k ngay", True), ("chuyển 3tr ngay", True), ("chuyển 1.500 ngay", True),
     ("chuyển 1tr8 ngay", True), ("chuyển 3k5 ngay", True), ("chuyển 2tr500 ngay", True),
     ("chuyển 12hours ngay", False), ("chuyển 1tr8000 ngay", False), ("chuyển tiền ngay", False)],
)  # fmt: skip
def test_a_number_may_carry_a_short_unit(text: str, match: bool) -> None:
    compiled = COMPILER.compile("chuyển # ngay")
    folded = normalize(text).text
    assert (re.search(compiled.regex, folded) is not None) == match


@pytest.mark.parametrize(
    ("regex", "needs_digit"),
    [(r"^\W*(1[0-7]|[89])\s*(ans?)?\W*$", True), (r"\d+ ?k", True), (r"[0-7]x", True),
     (r"(1[0-7]|twelve)", False), (r"a[^0-9]b", False), (r"[\d.]", False)],
)  # fmt: skip
def test_a_regex_of_literal_digits_needs_a_digit(regex: str, needs_digit: bool) -> None:
    from notalone.detect.phrases import DIGIT, regex_requirements

    assert (DIGIT in regex_requirements(regex)) == needs_digit
