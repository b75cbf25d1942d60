"""The arc rule of scoring: a confident harmful step after a confident tactic of another stage."""

from __future__ import annotations

import dataclasses

from notalone.detect import Detector
from notalone.detect.lexicon import ArcRule
from notalone.detect.scoring import score_speaker

KNOWLEDGE = Detector.default().knowledge
ARC = dataclasses.replace(KNOWLEDGE, arc=ArcRule(0.6, 0.7, frozenset({"grooming"})))
NO_ARC = dataclasses.replace(KNOWLEDGE, arc=None)


def test_a_harmful_step_after_another_stage_alerts_where_no_rule_names_the_pair() -> None:
    best = {"secrecy_demand": 0.7, "money_demand": 0.8}  # "tell no one", then a transfer
    assert score_speaker(best, NO_ARC, minor=True).risk < 0.62
    arc = score_speaker(best, ARC, minor=True)
    assert arc.risk >= 0.62
    assert arc.rule == "arc"


def test_the_arc_needs_both_tactics_confident_and_of_different_stages() -> None:
    assert score_speaker({"urgency_pressure": 0.5, "image_request": 0.8}, ARC).rule != "arc"
    # two demands are one stage: a fee and a link are not an arc
    assert score_speaker({"money_demand": 0.7, "phishing_link": 0.7}, ARC).rule != "arc"


def test_the_arc_does_not_call_adults_flirting_grooming() -> None:
    best = {"flattery_special_relationship": 0.8, "image_request": 0.8}
    assert score_speaker(best, ARC, minor=False).risk < 0.62
    assert score_speaker(best, ARC, minor=True).risk >= 0.62
