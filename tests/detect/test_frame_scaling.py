"""Frames scale hits the same way whatever the message length, in time that grows with the
length (not with hits x negators). The reference below is the plain definition: every frame
compared with every hit, every kept hit with every other; the analyzer must agree with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import notalone.detect.analyzer as analyzer_module
from notalone.detect import Detector, Message
from notalone.detect.analyzer import (
    _CLAUSE_END,
    _NOT_HIT_MODIFIERS,
    _SAME_LANGUAGE_FRAMES,
    FRAME_FACTORS,
    NEGATION_WINDOW,
    Hit,
    _apply_frames,
    _dedupe,
    _in_condition,
    _words_between,
)
from notalone.detect.lexicon import load_knowledge
from notalone.detect.normalize import NormalizedText, normalize
from notalone.detect.recognizers import RecognizerResult

KNOWLEDGE = load_knowledge()

FRAGMENTS = [
    "if u dont pay im sending the pics to ur mom",
    "dont tell anyone",
    "do not hang up do not tell your parents",
    "police never ask you to go to a hotel",
    "send me a pic",
    "dont send me a pic",
    "or ill post them",
    "he said transfer 5tr to verify",
    "không thì tao gửi clip cho bố mẹ mày",
    "đừng nói với ai",
    "không được tắt máy",
    "công an không bao giờ yêu cầu chuyển tiền",
    "nếu không chuyển tiền thì bị bắt",
    "ne dis rien à tes parents",
    "sinon je publie les photos",
    "ok",
    "lol",
    ", ",
    ". ",
    "? ",
]


def _reference_frames(norm: NormalizedText, results: list[RecognizerResult]) -> list[Hit]:
    frames = [r for r in results if r.kind.startswith("frame:")]
    tactics = [r for r in results if not r.kind.startswith("frame:")]
    conditions = [f for f in frames if f.kind == "frame:condition"]
    breaks = [f for f in frames if f.kind == "frame:clause_break"]
    negations = [f for f in frames if f.kind == "frame:negation"]
    hits: list[Hit] = []
    for r in tactics:
        score = r.score
        modifiers: list[str] = []
        start, end = norm.to_original(r.start, r.end)
        unexcused = r.kind == "credential_request"
        for f in frames:
            kind = f.kind[6:]
            if kind in _NOT_HIT_MODIFIERS:
                continue
            if kind in _SAME_LANGUAGE_FRAMES and f.language != r.language:
                continue
            if kind == "negation":
                if f.end > r.start or f.start >= r.start:
                    continue
                if _words_between(norm.text, f.end, r.start) > NEGATION_WINDOW:
                    continue
                if _CLAUSE_END.search(norm.text, f.end, r.start):
                    continue
                if _in_condition(norm.text, f, conditions):
                    continue
                if any(g.start >= r.start and g.end <= r.end for g in negations):
                    continue
                if any(b.language == f.language and f.start <= b.start < r.end for b in breaks):
                    continue
            elif (kind == "reported_speech" and f.start > r.start) or (
                kind == "benign_context" and unexcused
            ):
                continue
            if f.start < r.end and r.start < f.end and kind in ("warning", "news"):
                continue
            if kind in modifiers:
                continue
            modifiers.append(kind)
            score *= FRAME_FACTORS.get(kind, 1.0)
        hits.append(Hit(r.kind, start, end, score, r.recognizer, r.language, tuple(modifiers)))
    return _reference_dedupe(hits)


def _reference_dedupe(hits: list[Hit]) -> list[Hit]:
    hits.sort(key=lambda h: (h.tactic, -h.score, h.start, -h.end))
    kept: list[Hit] = []
    for h in hits:
        if any(k.tactic == h.tactic and k.start < h.end and h.start < k.end for k in kept):
            continue
        kept.append(h)
    return kept


def _results(text: str) -> tuple[NormalizedText, list[RecognizerResult]]:
    norm = normalize(text, KNOWLEDGE.vocabulary)
    results = KNOWLEDGE.index.analyze(norm)
    results.extend(KNOWLEDGE.context_index.analyze(norm))
    return norm, results


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=14), st.sampled_from([" ", ""]))
def test_frames_agree_with_the_plain_definition(parts: list[str], sep: str) -> None:
    norm, results = _results((sep or " ").join(parts))
    assert _apply_frames(norm, results) == _reference_frames(norm, results)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.integers(0, 40),
            st.integers(1, 8),
            st.sampled_from([0.3, 0.6, 0.9]),
        ),
        max_size=30,
    )
)
def test_dedupe_agrees_with_the_plain_definition(spec: list[tuple[str, int, int, float]]) -> None:
    hits = [Hit(t, s, s + n, score, "r", "en", ()) for t, s, n, score in spec]
    assert _dedupe(list(hits)) == _reference_dedupe(list(hits))


@pytest.mark.parametrize(
    "base",
    [
        "if u dont pay im sending the pics to ur mom, dont tell anyone. dont worry ",
        "không thì tao gửi clip của mày cho bố mẹ mày, đừng nói với ai ",
    ],
)
def test_negators_are_looked_up_near_each_hit_only(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message of one threat repeated n times holds ~n hits and ~n negators: the words
    between a hit and a negator are counted for the few negators just before each hit (a
    count that grows like n), not for every pair (n squared)."""
    calls = 0
    counted = analyzer_module._words_between

    def counting(text: str, start: int, end: int, limit: int = NEGATION_WINDOW) -> int:
        nonlocal calls
        calls += 1
        return counted(text, start, end, limit)

    monkeypatch.setattr(analyzer_module, "_words_between", counting)
    detector = Detector.default()
    per_copy = []
    for copies in (50, 200):
        calls = 0
        assessment = detector.new_conversation().add(Message("x", base * copies))
        assert assessment.level == "critical"
        per_copy.append(calls / copies)
    # linear: the calls per copy do not grow with the number of copies
    assert per_copy[1] <= per_copy[0] * 1.2 + 1
