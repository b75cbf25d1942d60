"""Broken knowledge files fail at load time, naming the file and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from notalone.detect.lexicon import KnowledgeError, data_root, load_knowledge


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(data_root(), root)
    return root


def _edit_categories(root: Path, old: str, new: str) -> None:
    """Replace one line of the copy's categories.yaml (which must hold it)."""
    path = root / "categories.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _load(root: Path) -> None:
    load_knowledge.cache_clear()
    try:
        load_knowledge(str(root))
    finally:
        load_knowledge.cache_clear()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("tactic: no_such_tactic\npatterns: [{phrase: x}]\n", "unknown tactic"),
        ("tactic: secrecy_demand\npatterns: [{phrase: '(a|b'}]\n", "unclosed"),
        ("tactic: secrecy_demand\npatterns: [{phrase: 'x', score: 3}]\n", "score"),
        ("tactic: secrecy_demand\npatterns: [{regex: '(['}]\n", "pattern #0"),
        ("tactic: secrecy_demand\npatterns: [{phrase: '{nope} x'}]\n", "unknown class"),
        ("tactic: secrecy_demand\npatterns: [{text: x}]\n", "'phrase', 'regex' or 'near'"),
        ("- just a list\n", "mapping"),
        ("tactic: [unclosed\n", "cannot read YAML"),
    ],
)
def test_a_broken_lexicon_file_is_named(knowledge_copy: Path, content: str, message: str) -> None:
    bad = knowledge_copy / "lexicons" / "vi" / "zz_broken.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        _load(knowledge_copy)
    assert "zz_broken.yaml" in str(info.value) and message in str(info.value)


def test_a_category_naming_an_unknown_tactic_is_refused(knowledge_copy: Path) -> None:
    path = knowledge_copy / "categories.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("ransom_demand]", "ransom_dmand]"))
    with pytest.raises(KnowledgeError, match="unknown tactic 'ransom_dmand'"):
        _load(knowledge_copy)


def test_a_new_language_needs_no_code(knowledge_copy: Path) -> None:
    lang = knowledge_copy / "lexicons" / "es"
    lang.mkdir()
    (lang / "secrecy_demand.yaml").write_text(
        "tactic: secrecy_demand\nlanguage: es\npatterns:\n  - phrase: 'no se lo digas a nadie'\n",
        encoding="utf-8",
    )
    load_knowledge.cache_clear()
    try:
        knowledge = load_knowledge(str(knowledge_copy))
        assert "es" in knowledge.packs
        from notalone.detect import Detector

        result = Detector(knowledge).analyze_text("No se lo digas a nadie, ¿vale?")
        assert [e.tactic for e in result.evidence] == ["secrecy_demand"]
    finally:
        load_knowledge.cache_clear()


def test_every_modifier_the_engine_explains_has_words_in_every_language() -> None:
    from notalone.detect.explain import _MODIFIER_KEYS
    from notalone.detect.lexicon import load_knowledge

    knowledge = load_knowledge()
    for lang, pack in knowledge.packs.items():
        missing = [m for m in _MODIFIER_KEYS if m not in pack.advice.get("modifiers", {})]
        assert not missing, f"{lang}: no text for modifiers {missing}"


@pytest.mark.parametrize("value", ["'high'", "1.5", "-0.1", "true"])
def test_a_rule_asking_for_a_learned_reading_out_of_range_is_refused(
    knowledge_copy: Path, value: str
) -> None:
    _edit_categories(knowledge_copy, "needs_learned: 0.05", f"needs_learned: {value}")
    with pytest.raises(KnowledgeError, match="needs_learned must be a number from 0 to 1"):
        _load(knowledge_copy)


def test_a_captor_voice_naming_an_unknown_tactic_is_refused(knowledge_copy: Path) -> None:
    _edit_categories(
        knowledge_copy, "captor_voice: [ransom_demand]", "captor_voice: [ransom_dmand]"
    )
    with pytest.raises(KnowledgeError, match="captor_voice names unknown tactic 'ransom_dmand'"):
        _load(knowledge_copy)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    evidence: [fake_evidence]", "    evidence: [fake_evidense]", "unknown tactic"),
        ("  telling: [authority, place, evidence]", "  telling: [authority, plaec]", "'plaec'"),
        ("  complying: authority", "  complying: authorities", "'authorities'"),
        ("  messages: 1", "  messages: 3", "messages must be 1 or 2"),
        (
            "    evidence: [fake_evidence]",
            "    evidence: [fake_evidence, money_demand]",
            "one family",
        ),
        *(
            ("USD: 1000,", f"USD: {amount},", "captor_sum: USD: the amount must be a positive")
            for amount in ("-5", "ten", "true")
        ),
    ],
)
def test_a_controlled_account_or_captor_sum_that_does_not_hold_is_refused(
    knowledge_copy: Path, old: str, new: str, message: str
) -> None:
    _edit_categories(knowledge_copy, old, new)
    with pytest.raises(KnowledgeError, match=message):
        _load(knowledge_copy)
