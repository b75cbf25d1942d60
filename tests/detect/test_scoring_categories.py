"""Which category a speaker's evidence makes: naming tactics and the family."""

from __future__ import annotations

from notalone.detect.lexicon import load_knowledge
from notalone.detect.scoring import score_speaker

KNOWLEDGE = load_knowledge()
HIGH = 0.62


def test_kidnapping_rules_without_an_officer_yield_to_grooming() -> None:
    # "turn ur location off", "delete this after", "ill pick u up" to a minor: no officer, no
    # accusation, no room, no ransom, so the grooming rule names it
    groomer = {"isolation_order": 0.7, "secrecy_demand": 0.7, "meeting_request": 0.65}
    assert score_speaker(groomer, KNOWLEDGE, minor=True).category == "grooming"
    officer = {**groomer, "authority_impersonation": 0.7}
    assert score_speaker(officer, KNOWLEDGE, minor=True).category == "online_kidnapping"


def test_an_unnamed_category_still_fires_when_no_other_rule_does() -> None:
    alone = score_speaker({"isolation_order": 0.7, "secrecy_demand": 0.7}, KNOWLEDGE, minor=False)
    assert alone.category == "online_kidnapping" and alone.risk >= HIGH


def test_family_adds_no_risk_with_tactics_only_kidnappers_and_groomers_use() -> None:
    assert "ransom_demand" in KNOWLEDGE.family_only_tactics
    assert "money_demand" not in KNOWLEDGE.family_only_tactics  # fraud: a fake relative asks
    joke = {"ransom_demand": 0.9}
    assert score_speaker(joke, KNOWLEDGE).risk >= HIGH
    assert score_speaker(joke, KNOWLEDGE, parent=True).risk == 0.0
