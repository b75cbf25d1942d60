"""Rules with `repeat: 2`: a tactic must show in two different messages of one speaker."""

from __future__ import annotations

from notalone.detect import Detector, Message
from notalone.detect.lexicon import load_knowledge
from notalone.detect.scoring import score_speaker

KNOWLEDGE = load_knowledge()


def test_a_second_message_with_the_same_demand_makes_the_rule() -> None:
    once = score_speaker({"money_demand": 0.7}, KNOWLEDGE)
    twice = score_speaker({"money_demand": 0.7}, KNOWLEDGE, again={"money_demand": 0.65})
    assert once.rule is None or once.risk < 0.62
    assert twice.category == "fraud" and twice.risk >= 0.62


def test_two_spans_of_one_message_are_not_two_messages() -> None:
    state = Detector.default().new_conversation()
    state.add(Message("shop", "ck cọc trước 150k giữ acc nha, ck cọc trước là có acc"))
    assert state.assessment.level in ("none", "low", "medium")


def test_a_gift_to_a_minor_and_then_its_price_is_grooming() -> None:
    # "i could get u a robux card", then "u just gotta do something for me too"
    once = score_speaker({"gift_offer": 0.6}, KNOWLEDGE, minor=True)
    twice = score_speaker({"gift_offer": 0.6}, KNOWLEDGE, minor=True, again={"gift_offer": 0.7})
    to_an_adult = score_speaker(
        {"gift_offer": 0.6}, KNOWLEDGE, minor=False, again={"gift_offer": 0.7}
    )
    assert once.risk < 0.62
    assert twice.category == "grooming" and twice.risk >= 0.62
    assert to_an_adult.risk < 0.62
