"""The look-alike check's fast paths give the answers of the plain ways (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.indicators import lookalike as la

WORDS = [kw for kw, _, _ in la._keywords()] + [skw for _, skw, _ in la._keywords()]
LETTERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=8)


@st.composite
def labels(draw: st.DrawFn) -> str:
    """Labels made of brand names, bits of them and filler: the cases that matter."""
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(WORDS),
                st.sampled_from(WORDS).map(lambda w: w[1:]),
                st.sampled_from(WORDS).map(lambda w: w[:-1]),
                st.sampled_from(WORDS).map(lambda w: w[: len(w) // 2] + "x" + w[len(w) // 2 :]),
                LETTERS,
            ),
            max_size=4,
        )
    )
    return "".join(parts)


def _first_match_reference(index: la._Index, forms: list[tuple[str, list[str], str]]) -> int | None:
    """``_first_match`` as it was: every long name in order, a substring search each."""
    first, long_names, _ = index
    best: int | None = None

    def consider(n: int | None) -> None:
        nonlocal best
        if n is not None and (best is None or n < best):
            best = n

    for compact, tokens, stripped in forms:
        for token in tokens:
            if len(token) >= 3:
                consider(first.get(token))
            core = la._strip_extras(token)
            if len(token) > len(core):
                consider(first.get(core))
        consider(first.get(stripped))
        for n, name in long_names:
            if best is not None and n >= best:
                break
            if name in compact:
                consider(n)
                break
    return best


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=14))
def test_deletions_equal_the_level_by_level_neighbourhood(word: str) -> None:
    assert la._deletions(word) == la._deletions_by_level(word, 2)
    assert la._deletions(word, 1) == la._deletions_by_level(word, 1)


@settings(max_examples=600, deadline=None)
@given(labels())
def test_names_inside_a_label_are_found_as_by_scanning(compact: str) -> None:
    for column in (0, 1):
        _, long_names, by_prefix = la._keyword_index(column)
        assert la._first_inside(by_prefix, compact) == la._first_inside_by_scan(long_names, compact)


@settings(max_examples=600, deadline=None)
@given(st.lists(labels(), min_size=1, max_size=3))
def test_first_match_equals_the_name_by_name_loop(raw: list[str]) -> None:
    forms = []
    for label in raw:
        tokens = [t for t in la._TOKEN_SPLIT.split(label) if t]
        compact = "".join(tokens)
        forms.append((compact, tokens, la._strip_extras(compact)))
    for column in (0, 1):
        index = la._keyword_index(column)
        assert la._first_match(index, forms) == _first_match_reference(index, forms)


def test_known_look_alikes_still_found() -> None:
    cases = {
        "vietcombank-xacminh.top": "vietcombank",
        "vietc0mbank.com": "vietcombank",
        "vietcombamk.xyz": "vietcombank",
    }
    for host, brand in cases.items():
        assert la.assess_domain(host).lookalike_of == brand, host
    assert la.assess_domain("scam-2dc6cd.top").lookalike_of is None


@pytest.mark.parametrize(
    ("host", "brand"),
    [
        ("c.s.g.t-tracuuphatnguoi.online", "bocongan"),
        ("z.a.l.o-xacminh.com", "zalo"),
        ("s.h.o.p.e.e.vn", "shopee"),  # registered domain "e.vn": not Shopee's shopee.vn
    ],
)
def test_a_brand_spelled_out_with_dots_is_a_look_alike(host: str, brand: str) -> None:
    assert la.assess_domain(host).lookalike_of == brand


@pytest.mark.parametrize("host", ["m.example.org", "a.b.c.news.com", "x.y.example.org"])
def test_one_letter_subdomains_are_not_a_spelling(host: str) -> None:
    assert la.assess_domain(host).lookalike_of is None


@pytest.mark.parametrize(
    ("sender", "brand"),
    [
        ("AX-HDFCBK", "hdfcbank"),  # India's header: operator and circle, then the sender ID
        ("VM-HDFCBK-S", "hdfcbank"),  # ... and the message type after it (2025)
        ("HDFCBK", "hdfcbank"),
        ("AX-NOTABANK", None),
        ("VCB", "vietcombank"),
    ],
)
def test_an_indian_sms_header_names_its_sender(sender: str, brand: str | None) -> None:
    assert la.brand_for_sender(sender) == brand
