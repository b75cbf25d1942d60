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


def test_one_grooming_step_to_a_minor_needs_the_models_reading_of_the_speaker() -> None:
    # "so ur home alone tonight?" alone: what family asks too, unless the speaker's words read
    # like a predator's (the learned stage's calibrated reading, needs_learned in the data)
    probe = {"personal_info_probing": 0.55}
    assert score_speaker(probe, KNOWLEDGE, minor=True, learned=0.02).risk < HIGH
    read = score_speaker(probe, KNOWLEDGE, minor=True, learned=0.3)
    assert read.risk >= HIGH and read.category == "grooming"
    assert score_speaker(probe, KNOWLEDGE, minor=False, learned=0.3).risk < HIGH
    assert score_speaker(probe, KNOWLEDGE, minor=True, learned=0.3, parent=True).risk < HIGH
    # asking the age is how a minor shows at all: not one step of this rule
    assert score_speaker({"age_probing": 0.6}, KNOWLEDGE, minor=True, learned=0.3).risk < HIGH


def test_a_scammers_reading_does_not_turn_fraud_into_grooming() -> None:
    # the single-step rule yields to any other category's rule (its risk is the lowest that
    # still alerts): a scammer's secrecy order with a money demand stays fraud
    scam = {"secrecy_demand": 0.7, "money_demand": 0.8, "urgency_pressure": 0.6}
    before = score_speaker(scam, KNOWLEDGE, minor=True, learned=0.0)
    after = score_speaker(scam, KNOWLEDGE, minor=True, learned=0.9)
    assert after.category == before.category != "grooming"
