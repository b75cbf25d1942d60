"""`near:` patterns: phrases that must all occur, in any order, within a few words."""

from __future__ import annotations

from pathlib import Path

import pytest

from notalone.detect.lexicon import KnowledgeError, _compile_patterns
from notalone.detect.phrases import PhraseCompiler
from notalone.detect.recognizers import pattern_spans

COMPILER = PhraseCompiler({}, {"people": ["ur mom", "ur dad", "ur class"]})


def _near(parts: list[str], within: int) -> list:
    return _compile_patterns(
        [{"near": parts, "within": within}], COMPILER, 0.8, Path("test.yaml"), set()
    )


THREAT = _near(["(if u dont|unless u)", "(send|sending|post)", "(pics|video)", "{people}"], 12)[0]


@pytest.mark.parametrize(
    "text",
    [
        "if u dont pay im sending the pics to ur mom",
        "the pics im sending to ur dad unless u pay",
        "ur class gets the video, i post it unless u pay",
    ],
)
def test_every_part_in_any_order(text: str) -> None:
    (span,) = pattern_spans(THREAT, text)
    found = text[span[0] : span[1]]
    assert ("if u dont" in found or "unless u" in found) and "ur " in found


@pytest.mark.parametrize(
    "text",
    [
        "im sending the pics to ur mom",  # no ultimatum
        "if u dont pay today, then later this week after school on friday or saturday i will "
        "send the pics to ur mom",  # too far apart
        "if u dont come send the recipe to ur mom",  # no material
    ],
)
def test_a_missing_or_distant_part_is_no_match(text: str) -> None:
    assert pattern_spans(THREAT, text) == []


def test_one_word_cannot_stand_for_two_parts() -> None:
    (pattern,) = _near(["(pics|snap)", "(snap|insta)"], 5)
    assert pattern_spans(pattern, "send a snap") == []
    assert pattern_spans(pattern, "send a snap on insta") != []


@pytest.mark.parametrize(
    ("parts", "within"),
    [(["one"], 5), (["one", "two"], 1), (["one", "two"], 41), (["one", "two"], None)],
)
def test_a_bad_near_pattern_is_refused_with_a_reason(parts: list[str], within: object) -> None:
    entry = {"near": parts} if within is None else {"near": parts, "within": within}
    with pytest.raises(KnowledgeError, match="near"):
        _compile_patterns([entry], COMPILER, 0.8, Path("test.yaml"), set())
