"""Contract tests over every knowledge file and every registered recognizer.

Each lexicon file carries positive and negative examples; they are the file's own tests.
Every tactic must be served in vi, en and fr, with texts and advice in each language.
"""

from __future__ import annotations

import pytest

from notalone.detect import load_knowledge, normalize
from notalone.detect.analyzer import MessageAnalyzer
from notalone.detect.lexicon import TACTIC_TEXT_FIELDS, Example
from notalone.detect.recognizers import PatternRecognizer

KNOWLEDGE = load_knowledge()
ANALYZER = MessageAnalyzer(KNOWLEDGE)
LANGUAGES = ("vi", "en", "fr")
RECOGNIZERS = [(lang, r) for lang, p in KNOWLEDGE.packs.items() for r in p.recognizers]
EXAMPLES = [
    pytest.param(lang, r, ex, id=f"{r.id}:{'pos' if ex.expect else 'neg'}:{ex.text[:40]}")
    for lang, r in RECOGNIZERS
    for ex in KNOWLEDGE.packs[lang].examples.get(r.id, [])
]


# An example "fires" when the recognizer's evidence, after frames (warnings, negation, benign
# contexts) have had their say, still counts: a surprise party's "don't tell mum" may match the
# phrase and be defused by its context, which is exactly what the example documents.
FIRES = 0.25


@pytest.mark.parametrize(("lang", "recognizer", "example"), EXAMPLES)
def test_recognizer_examples(lang: str, recognizer: PatternRecognizer, example: Example) -> None:
    hits = [h for h in ANALYZER.analyze(example.text).hits if h.recognizer == recognizer.id]
    strongest = max((h.score for h in hits), default=0.0)
    if example.expect:
        assert strongest >= FIRES, f"{recognizer.id} should fire on {example.text!r}"
    else:
        found = [(example.text[h.start : h.end], round(h.score, 2), h.modifiers) for h in hits]
        assert strongest < FIRES, f"{recognizer.id} fired on {example.text!r}: {found}"


def test_raw_recognizer_spans_are_exact_on_every_example() -> None:
    for lang, recognizer in RECOGNIZERS:
        for example in KNOWLEDGE.packs[lang].examples.get(recognizer.id, []):
            norm = normalize(example.text, KNOWLEDGE.vocabulary)
            for hit in recognizer.analyze(norm):
                s, e = norm.to_original(hit.start, hit.end)
                assert 0 <= s < e <= len(example.text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_tactic_has_a_recognizer_texts_and_examples_in_each_language(lang: str) -> None:
    pack = KNOWLEDGE.packs[lang]
    served = {r.kind for r in pack.recognizers}
    linguistic = {t for t, spec in KNOWLEDGE.tactics.items() if spec.linguistic}
    missing = linguistic - served
    assert not missing, f"{lang}: no recognizer for {sorted(missing)}"
    for tactic in KNOWLEDGE.tactics:
        texts = pack.tactic_texts.get(tactic, {})
        assert all(texts.get(f) for f in TACTIC_TEXT_FIELDS), f"{lang}: texts for {tactic}"
    for r in pack.recognizers:
        examples = pack.examples.get(r.id, [])
        assert sum(e.expect for e in examples) >= 3, f"{r.id}: fewer than 3 positive examples"
        assert sum(not e.expect for e in examples) >= 3, f"{r.id}: fewer than 3 negative examples"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_category_has_advice_in_each_language(lang: str) -> None:
    advice = KNOWLEDGE.packs[lang].advice
    for category in KNOWLEDGE.categories:
        assert advice.get("category_advice", {}).get(category), f"{lang}: advice for {category}"
        assert advice.get("categories", {}).get(category), f"{lang}: name of {category}"
    assert set(advice.get("levels", {})) >= {"none", "low", "medium", "high", "critical"}


@pytest.mark.parametrize(
    "text", ["", "😀🔥💯", "a" * 1_000_000, "\ud800 lone surrogate", "c.h.u.y.e.n " * 5000]
)
def test_recognizers_never_raise_and_scores_are_probabilities(text: str) -> None:
    norm = normalize(text, KNOWLEDGE.vocabulary)
    for _, r in RECOGNIZERS[:: max(1, len(RECOGNIZERS) // 20)]:
        for hit in r.analyze(norm):
            assert 0.0 < hit.score <= 1.0
            s, e = norm.to_original(hit.start, hit.end)
            assert 0 <= s < e <= len(text)


def test_analysis_is_deterministic() -> None:
    from notalone.detect import Detector

    text = "Tôi là công an, em phải chuyển tiền để xác minh và không được nói với bố mẹ"
    det = Detector.default()
    assert det.analyze_text(text).to_dict() == det.analyze_text(text).to_dict()
