"""The normaliser folds text for matching and every folded span maps back onto the original."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.normalize import normalize, segment

VOCAB = frozenset({"chuyen", "tien", "ngay", "khach", "san", "xac", "minh"})


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Chuyển Tiền NGAY", "chuyen tien ngay"),
        ("Đến khách sạn", "den khach san"),
        ("c.h.u.y.e.n t.i.e.n", "chuyen tien"),
        ("c.h.u.y.e.n.t.i.e.n", "chuyen tien"),
        ("c h u y e n  t i e n", "chuyen  tien"),
        ("chuy3n t1ền", "chuyen tien"),
        ("Vіеtcоmbаnk", "vietcombank"),  # Cyrillic і е о а
        ("ｃｈｕｙｅｎ", "chuyen"),  # fullwidth
        ("chuyển\u200b tiền", "chuyen tien"),  # zero-width space
        ("Arrêté immédiatement", "arrete immediatement"),
        ("50tr 500k $200 b4", "50tr 500k $200 b4"),  # amounts and teen code keep their digits
        ("a e k j di dau", "a e k j di dau"),  # single-letter teen code is not spelling
    ],
)
def test_when_text_is_folded_then_it_matches_the_plain_spelling(text: str, folded: str) -> None:
    assert normalize(text, VOCAB).text == folded


def test_when_vietnamese_is_decomposed_then_spans_keep_the_combining_marks() -> None:
    original = unicodedata.normalize("NFD", "Chuyển tiền cho bố")
    norm = normalize(original, VOCAB)
    assert norm.text == "chuyen tien cho bo"
    start = norm.text.index("bo")
    s, e = norm.to_original(start, start + 2)
    assert unicodedata.normalize("NFC", original[s:e]) == "bố"


def test_when_spelling_is_collapsed_then_the_span_covers_the_dotted_letters() -> None:
    original = "em c.h.u.y.e.n t.i.e.n ngay"
    norm = normalize(original, VOCAB)
    m = re.search("chuyen tien", norm.text)
    assert m is not None
    s, e = norm.to_original(m.start(), m.end())
    assert original[s:e] == "c.h.u.y.e.n t.i.e.n"


def test_segment_prefers_known_words() -> None:
    assert segment("chuyentien", VOCAB) == ["chuyen", "tien"]
    assert segment("xyzq", VOCAB) == ["xyzq"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_every_folded_span_slices_the_original(text: str) -> None:
    for variant in (text, unicodedata.normalize("NFD", text)):
        norm = normalize(variant, VOCAB)
        if norm.offsets is None:
            assert len(norm.text) == len(variant)
        else:
            assert len(norm.offsets) == len(norm.text)
            assert list(norm.offsets) == sorted(norm.offsets)
        for start in range(len(norm.text)):
            for end in (start + 1, len(norm.text)):
                s, e = norm.to_original(start, end)
                assert 0 <= s < e <= len(variant)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="chuyentiàáđê .-_*013\u0301\u200b", max_size=40))
def test_normalisation_is_total_on_obfuscation_alphabet(text: str) -> None:
    norm = normalize(text, VOCAB)
    assert norm.original == text
    assert normalize(norm.text, VOCAB).text == normalize(norm.text, VOCAB).text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ur n*des go to ur sch00l", "ur nudes go to ur school"),
        ("g00gle pl@y c@rds", "google play cards"),
        ("s*x", "sex"),
        ("500k 1tr 2k10", "500k 1tr 2k10"),  # numbers and teen code are not letters in disguise
        ("a*b is not a word", "a*b is not a word"),  # a censored word nobody knows stays as typed
    ],
)
def test_censored_and_multi_digit_leet_words_fold_to_known_words(text: str, folded: str) -> None:
    vocabulary = VOCAB | {"nudes", "school", "sex", "google", "play", "cards"}
    norm = normalize(text, vocabulary)
    assert norm.text == folded
    assert len(norm.text) == len(text)  # same length: every span still slices the original
