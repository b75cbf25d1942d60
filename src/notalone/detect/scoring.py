"""From the best evidence per tactic of one speaker to a risk, a level and a category.

Plain functions over plain mappings, so they can be tested and swapped on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from notalone.detect.lexicon import Knowledge


@dataclass(frozen=True, slots=True)
class SpeakerRisk:
    risk: float
    category: str | None
    rule: str | None  # which combination fired, for the explanation


CONFIDENT = 0.6


def noisy_or(values: list[float]) -> float:
    miss = 1.0
    for v in values:
        miss *= 1.0 - v
    return 1.0 - miss


def score_speaker(
    best: Mapping[str, float],
    knowledge: Knowledge,
    *,
    minor: bool = True,
    adult: bool = False,
    age_gap: bool = False,
    peer: bool = False,
    again: Mapping[str, float] | None = None,
    parent: bool = False,
    learned: float = 0.0,
    youth: bool = False,
) -> SpeakerRisk:
    """``best`` maps a tactic to the best (frame-adjusted) score this speaker showed;
    ``minor`` says whether the conversation shows a minor (rules may need one); ``adult``,
    whether the one this speaker talks to says they are an adult (and no minor shows);
    ``age_gap``, whether this speaker has talked as an adult to a minor; ``peer``, whether
    this speaker said they are a minor too (and never talked as an adult to one); ``again``
    maps a tactic to its best score in a message other than its best one (rules with
    ``repeat: 2``); ``parent``, whether the other side calls this speaker mom or dad (or the
    speaker's name says so); ``learned``, the learned stage's calibrated reading of this
    speaker (rules with ``needs_learned``); ``youth``, whether someone else in the
    conversation told one cue of a young person's life (rules with ``needs_youth``)."""
    if not best:
        return SpeakerRisk(0.0, None, None)
    tactics = knowledge.tactics
    family_only = knowledge.family_only_tactics if parent else frozenset()
    base = noisy_or(
        [tactics[t].severity * s for t, s in best.items() if t in tactics and t not in family_only]
    )
    floor = knowledge.min_rule_score
    rule_risk, rule_category, rule_name = 0.0, None, None
    # A category that its naming tactics do not name (online kidnapping without the officer,
    # the accusation, the room or the ransom) fires only if no named category's rule does:
    # "turn ur location off" and "delete this after" from a groomer are grooming.
    fallback: tuple[float, str, str] | None = None
    for cid, cat in knowledge.categories.items():
        if (peer and cat.not_between_peers) or (parent and cat.not_from_parent):
            continue
        unnamed = bool(cat.named_by) and not any(best.get(t, 0.0) > 0.0 for t in cat.named_by)
        for n, rule in enumerate(cat.rules):
            if (
                (rule.needs_minor and not minor)
                or (rule.needs_youth and not (minor or youth))
                or (rule.unless_adult and adult)
                or (rule.needs_age_gap and (not age_gap or adult))
                or learned < rule.needs_learned
            ):
                continue
            need = floor if rule.min_score is None else rule.min_score
            scores = best if rule.repeat < 2 else (again or {})
            group_best = []
            for group in rule.groups:
                g = max((scores.get(t, 0.0) for t in group), default=0.0)
                if g < need:
                    break
                group_best.append(g)
            else:
                risk = rule.risk * (0.85 + 0.15 * min(group_best))
                if unnamed:
                    if fallback is None or risk > fallback[0]:
                        fallback = (risk, cid, f"{cid}#{n}")
                elif risk > rule_risk:
                    rule_risk, rule_category, rule_name = risk, cid, f"{cid}#{n}"
    if rule_category is None and fallback is not None:
        rule_risk, rule_category, rule_name = fallback
    if rule_category is not None:
        # The whole arc (trust, pressure, isolation, demand) is worse than its first two steps:
        # every further confident tactic pushes the risk up a little. Many tactics may also add
        # up past the rule (then the sum stands), but the rule still says what the arc is: a
        # sextortion threat after flattery and a platform move is sextortion, not grooming. The
        # larger of the two is taken, so stronger evidence never lowers the risk (comparing
        # the rule's bare risk with the sum dropped the arc's push when the sum was a hair above).
        confident = sum(1 for s in best.values() if s >= CONFIDENT)
        arc = min(1.0, rule_risk + 0.03 * max(0, confident - 2) + 0.05 * base * (1.0 - rule_risk))
        return SpeakerRisk(max(arc, base), rule_category, rule_name)
    return SpeakerRisk(base, best_category(best, knowledge), None)


def best_category(best: Mapping[str, float], knowledge: Knowledge) -> str | None:
    scored = [
        (sum(w * best.get(t, 0.0) for t, w in cat.weights.items()), cid)
        for cid, cat in knowledge.categories.items()
        if not cat.named_by or any(best.get(t, 0.0) > 0.0 for t in cat.named_by)
    ]
    if not scored:
        return None
    value, cid = max(scored)
    return cid if value > 0 else None


def level_of(risk: float, thresholds: Mapping[str, float]) -> str:
    for name in ("critical", "high", "medium", "low"):
        if risk >= thresholds[name]:
            return name
    return "none"
