"""Incremental conversation scoring: ``ConversationState.add(message) -> Assessment``.

The state is bounded: per speaker, the best score per tactic and a few evidence spans per
tactic; per conversation, a handful of counters. Adding message 1,000 costs what adding
message 10 costs, because nothing is rescanned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from notalone.detect.analyzer import (
    FRAME_FACTORS,
    OFFICIAL_FACTOR,
    Hit,
    MessageAnalysis,
    MessageAnalyzer,
)
from notalone.detect.explain import Explainer
from notalone.detect.learned import LearnedStage, SpeakerAggregate, combine, combined_risk
from notalone.detect.lexicon import Knowledge, display_name_key
from notalone.detect.phrases import TOKEN_RE
from notalone.detect.scoring import SpeakerRisk, level_of, score_speaker
from notalone.detect.types import Assessment, Evidence, IndicatorEvidence, Message

EVIDENCE_PER_TACTIC = 3  # spans kept per speaker and tactic
MAX_INDICATORS = 50
CHILD_FACTOR = 0.4  # what the young person says is mostly answers and quotes, not attacks
# a ransom demand this sure, from the young person's account to a parent, is the captor's (see
# categories.yaml: captor_voice); "trả tiền chuộc bằng trà sữa" and retold ones score lower
CAPTOR_SCORE = 0.85
MAX_SPEAKERS = 64
# A speaker who gives their age as 16 or 17 to someone who gave theirs as 13 or less is no peer
# of theirs: "j'ai 16 ans" to "12 presque 13" is how adults pose as older teens (dev50 fr), and
# the gap is wide even if true. Closer ages ("im 16" to "sophomore, 15") stay peers.
OLDER_TEEN = 16
YOUNG_CHILD = 13
LANGUAGE_SAMPLE = 3
SECOND_EVIDENCE = 0.5  # how much the second-best evidence of a tactic adds
WARNING_FACTOR = FRAME_FACTORS["warning"]
LEARNED_STEP = 0.05  # re-assess when a speaker's learned probability moves this much
ANSWERED_AGE_SCORE = 0.7  # an age question the next message answers with a minor's age
_LEVEL_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass
class SpeakerState:
    best: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    risk: SpeakerRisk = field(default_factory=lambda: SpeakerRisk(0.0, None, None))
    messages: int = 0
    # the learned stage (when the detector has one): bounded per-speaker aggregate
    learned: SpeakerAggregate | None = None
    learned_p: float = 0.0  # calibrated conversation-level probability for this speaker
    learned_top: float = 0.0  # this speaker's most harmful-looking message so far
    learned_words: int = 0  # words the learned stage has read from this speaker (capped)
    learned_text: str = ""  # ... its folded text (to name a category when patterns cannot)
    learned_category: str | None = None  # what that text points at, once asked (see below)
    learned_category_known: bool = False
    last_hit: int = -1  # index of this speaker's last message with evidence
    duress: bool = False  # the young person wrote as someone under control (see observe)
    passes_orders: bool = False  # told the listener, in their own voice, not to call them
    tells_of_harm: bool = False  # told of orders aimed at them
    told_orders: set[str] = field(default_factory=set)  # ... which kinds (at most a handful)
    retells: bool = False  # told of a call as past and as a claim ("hôm qua ... tự xưng công an")
    saw_through: bool = False  # said they saw through a call ("t cúp máy luôn", "a scam call")
    caller_voice: bool = False  # spoke as the officer ("Tôi là cán bộ công an"): pasted words
    # the script's families (categories.yaml: controlled_account) the young person showed
    script_families: set[str] = field(default_factory=set)
    script_messages: set[int] = field(default_factory=set)  # ... in which messages (at most 2)
    asks_money: bool = False  # asked for money in their own voice
    age_gap: bool = False  # this speaker talked as an adult to a minor ("at ur age")
    peer: bool = False  # this speaker said they are a minor too ("same im 14")


class TopSpeaker(NamedTuple):
    """The speaker who weighs most in the conversation now."""

    name: str | None
    tactics: SpeakerRisk  # what their tactic evidence says
    risk: float  # tactics and the learned probability combined
    level: str
    state: SpeakerState | None


_TELLING = ("quoted", "news", "reported_speech")
REPORTED_FACTOR = FRAME_FACTORS["reported_speech"]
# frames that say a hit is not the speaker's own order (a warning, a quote, a denial, a doubt)
_NOT_OWN_VOICE = frozenset(
    {"quoted", "news", "reported_speech", "warning", "negation", "doubt", "benign_context"}
)
# the order a controlled young person passes on to family or friends: do not call me ("đừng
# gọi cho con"); "don't tell anyone" is also what a retold story quotes without a frame
_PASSED_ON = frozenset({"isolation_order"})
# The online-kidnapping script as the young person tells of it: two of its orders aimed at them,
# one of which takes them away or takes their money ("họ bắt t ra thuê 1 phòng nghỉ riêng, tắt
# định vị, ko dc nói với ai"), is someone controlling them now, whoever they tell it to.
_SCRIPT_ORDERS = frozenset(
    {"relocation_order", "isolation_order", "secrecy_demand", "money_demand", "video_call_control"}
)
_SCRIPT_TAKES = frozenset({"relocation_order", "isolation_order", "money_demand"})
# The learned stage reads style and topic; without any tactic evidence it may raise a warning
# (medium) but reach an alert only when it is nearly certain. Real bank and operator SMS share
# the style of spam; the tactics are what tell them apart.
LEARNED_ALONE_CAP = 0.58
LEARNED_ALONE_SURE = 0.9
TACTIC_EVIDENCE = 0.2
MIN_STYLE_WORDS = 12  # words a speaker must have written before the model alone may alert
# Different everyday-life cues of a young person (frames: youth) that together show a minor:
# one ("coach made us run laps", "the bus was so loud") is an adult's day too.
YOUTH_CUES = 2


def _seen_through(speaker: SpeakerState, analysis: MessageAnalysis) -> bool:
    """The speaker said they saw through the call and does not say they obey it now."""
    return speaker.saw_through and not analysis.complies


def _note_message(seen: set[int], index: int) -> None:
    """Remember up to two message indices (all a rule asks is whether there were two)."""
    if len(seen) < 2:
        seen.add(index)


def _rule_reading(learned_p: float, words: int) -> float:
    """The model's reading as rules with ``needs_learned`` see it: like the corroboration, the
    reading of a few words is no reading."""
    return learned_p if words >= MIN_STYLE_WORDS else 0.0


def _learned_share(tactic_risk: float, learned_p: float) -> float:
    if tactic_risk >= TACTIC_EVIDENCE or learned_p >= LEARNED_ALONE_SURE:
        return learned_p
    return min(learned_p, LEARNED_ALONE_CAP)


def _frame_factor(analysis: MessageAnalysis) -> float:
    """How much of the message is the speaker's own voice, as the frames see it."""
    if analysis.warns:
        return FRAME_FACTORS["warning"]
    if any(m in _TELLING for h in analysis.hits for m in h.modifiers):
        return FRAME_FACTORS["reported_speech"]
    if analysis.official:
        # a genuine bank or operator SMS reads like spam to the model: an official sender or
        # official-only links weigh for the model what they weigh for the patterns
        return OFFICIAL_FACTOR
    return 1.0


def _parent_name(name: str, parent_names: frozenset[str]) -> bool:
    """A sender saved as "Mẹ", "Mom ❤️" or "Dad cell" (not "Bố Hùng")."""
    if not parent_names or len(name) > 40:
        return False
    return display_name_key(name) in parent_names


def _again(state: SpeakerState) -> dict[str, float]:
    """Per tactic, the best score the speaker showed in a message other than the best one."""
    out: dict[str, float] = {}
    for tactic, kept in state.evidence.items():
        first = kept[0].message
        other = next((e.score for e in kept[1:] if e.message != first), None)
        if other is not None:
            out[tactic] = other
    return out


def _combined(kept: list[Evidence]) -> float:
    """Two independent pieces of evidence for one tactic are stronger than the best alone
    (a brand look-alike link AND "your parcel could not be delivered")."""
    if not kept:
        return 0.0
    best = kept[0].score
    if len(kept) > 1 and (kept[1].message != kept[0].message or kept[1].start != kept[0].start):
        best = 1.0 - (1.0 - best) * (1.0 - SECOND_EVIDENCE * kept[1].score)
    return best


class ConversationState:
    def __init__(
        self,
        knowledge: Knowledge,
        analyzer: MessageAnalyzer,
        explainer: Explainer,
        *,
        conversation_id: str | None = None,
        child: str | None = None,
        lang: str | None = None,
        country: str | None = None,
        learned: LearnedStage | None = None,
    ) -> None:
        self.knowledge = knowledge
        self._learned = learned
        self._analyzer = analyzer
        self._explainer = explainer
        self.id = conversation_id
        self.child = child
        # A declared child is the young person the platform protects; otherwise a minor shows
        # only through a cue in the chat ("im 13", "em học lớp 8").
        self.minor = child is not None
        # Who said they are an adult ("25 f"): rules marked unless_adult do not fire at a speaker
        # whose listener did, unless a minor shows. Bounded like the speakers.
        self.adults: set[str] = set()
        # the minor was only inferred from an adult's cue about the listener's youth (no one
        # said they are under 18): an adult's own statement of age undoes it
        self._minor_from_gap = False
        # Who said they are under 18 or answered an age question with a minor's age (bounded):
        # a speaker who says they are an adult to one of them talks across an age gap.
        self._minors_said: set[str] = set()
        # the distinct youth cues seen so far (frames: youth), up to YOUTH_CUES
        self._youth_cues: set[tuple[str, int]] = set()
        # who told at least one such cue of their own day (bounded like the speakers)
        self._youth_speakers: set[str] = set()
        # the age each speaker gave as their own (bounded like the speakers)
        self._ages: dict[str, int] = {}
        # Whom the other side calls mom or dad, or whose name is "Mẹ" / "Dad" (bounded too).
        self.parents: set[str] = set()
        # ... of whom those the child calls mom or dad, or saved as such (not a brother or an
        # aunt who speaks as family): a captor's ransom goes to them
        self.mothers_fathers: set[str] = set()
        # who opened the chat calling the other one "mom" or "dad", until that one answers
        self._parent_pending: str | None = None
        self._last_sender: str | None = None
        self.lang = lang
        self.country = country or knowledge.default_country
        self.speakers: dict[str, SpeakerState] = {}
        self.indicators: list[IndicatorEvidence] = []
        self.language_votes: dict[str, int] = {}
        self.count = 0
        self.first_alert_at: int | None = None
        self._assessment: Assessment | None = None  # built when asked for, kept until a change

    def _shows_youth(self, sender: str, analysis: MessageAnalysis) -> bool:
        """True at the message whose youth cue completes YOUTH_CUES different ones (a speaker
        who said they are an adult tells of their own life, not a minor's)."""
        if not analysis.youth or len(self._youth_cues) >= YOUTH_CUES or sender in self.adults:
            return False
        new = sorted(analysis.youth - self._youth_cues)
        self._youth_cues.update(new[: YOUTH_CUES - len(self._youth_cues)])
        return len(self._youth_cues) >= YOUTH_CUES

    def add(self, message: Message) -> Assessment:
        """Take one message and return the assessment of the conversation so far."""
        self.observe(message)
        return self.assessment

    def observe(self, message: Message) -> None:
        """Take one message: update the state and the first alert, build no assessment (what
        ``scan`` does for every message but the last; the evidence, explanations and advice
        are put together only when someone reads :attr:`assessment`)."""
        index = self.count
        self.count += 1
        asked_before = self._last_sender
        analysis = self._analyzer.analyze(message.text, message.sender)
        if self.lang is None and (index < LANGUAGE_SAMPLE or analysis.hits):
            # The language of the verdict: the first messages and every message with evidence.
            votes = self._analyzer.language_votes(message.text[:2000], analysis.folded[:2000])
            for lang, n in votes.items():
                self.language_votes[lang] = self.language_votes.get(lang, 0) + n
        for ind in analysis.indicators:
            if len(self.indicators) < MAX_INDICATORS:
                self.indicators.append(
                    IndicatorEvidence(
                        ind.kind,
                        ind.value,
                        ind.normalized,
                        index,
                        ind.start,
                        ind.end,
                        tuple(sorted(ind.attrs.items())),
                    )
                )
        speaker = self._speaker(message.sender)
        speaker.messages += 1
        if analysis.retells:
            speaker.retells = True
        if analysis.saw_through:
            speaker.saw_through = True
        if analysis.caller_voice:
            speaker.caller_voice = True
        complying = self.knowledge.controlled_account.complying
        if analysis.complies and complying is not None and message.sender == self.child:
            speaker.script_families.add(complying)
            _note_message(speaker.script_messages, index)
        changed = bool(analysis.indicators)
        new_gap = analysis.age_gap and message.sender != self.child and not speaker.age_gap
        if new_gap:
            speaker.age_gap = True
            # an adult's cue about the listener's youth also says a minor is there, unless the
            # listener said they are an adult ("age is just a number" between 26 and 34)
            new_gap = not any(a != message.sender for a in self.adults)
        if analysis.stated_age is not None and (
            message.sender in self._ages or len(self._ages) < MAX_SPEAKERS
        ):
            self._ages[message.sender] = analysis.stated_age
            changed |= self._older_teen_gap()
        if (
            (analysis.peer or analysis.own_youth)
            and message.sender != self.child
            and not speaker.peer
        ):
            speaker.peer = True
            changed = True
            if speaker.best:
                speaker.risk = self._score(message.sender, speaker)
        answered = False
        if (analysis.minor or analysis.age_answer) and asked_before not in (None, message.sender):
            # "asl?" answered "13 f", "how old r u" answered "15": the question was an age
            # probe, and it found a minor
            answered, bumped = self._answered_age(asked_before, index - 1)
            changed |= bumped
        if (
            analysis.youth
            and message.sender not in self._youth_speakers
            and message.sender not in self.adults
            and len(self._youth_speakers) < MAX_SPEAKERS
        ):
            self._youth_speakers.add(message.sender)
            if not self.minor:
                self._rescore_all()
                changed = True
        explicit = analysis.minor or answered or self._shows_youth(message.sender, analysis)
        if explicit:
            self._minor_from_gap = False
            if (answered or analysis.peer) and len(self._minors_said) < MAX_SPEAKERS:
                self._minors_said.add(message.sender)
                changed |= self._declared_gap()
        if new_gap or (explicit and not self.minor):
            self._minor_from_gap = not self.minor and not explicit
            self.minor = True
            self._rescore_all()
            changed = True
        if analysis.calls_parent and self._mark_parent(message.sender):
            changed = True
        elif self._parent_pending is not None and message.sender != self._parent_pending:
            changed |= self._mark_family(message.sender, parent=True)
            self._parent_pending = None
        if analysis.family_voice and message.sender != self.child:
            changed |= self._mark_family(message.sender)
        self._last_sender = message.sender
        if analysis.adult and message.sender not in self.adults and len(self.adults) < MAX_SPEAKERS:
            self.adults.add(message.sender)
            if self._minor_from_gap and not speaker.age_gap:
                # "age is just a number" was taken for a cue about the listener's youth, and
                # the listener now says they are an adult ("i'm 34 not 12"): no minor after all
                self.minor = self._minor_from_gap = False
            self._declared_gap()
            self._rescore_all()
            changed = True
        if analysis.warns and not analysis.hits and speaker.last_hit == index - 1:
            # "Is this a scam?" right after pasting a message: what was pasted is shown, not
            # said. The previous message's evidence becomes a quotation in a warning.
            changed |= self._requalify(message.sender, speaker, index - 1)
        lift = False
        if analysis.hits:
            factor = CHILD_FACTOR if message.sender == self.child else 1.0
            extra: tuple[str, ...] = ("young_person",) if factor < 1.0 else ()
            if factor < 1.0 and self._under_duress(analysis, speaker):
                # "send 50tr now, don't call anyone": the young person passes on the orders
                # of whoever controls them; the words count at full weight, and against them.
                factor, extra, speaker.duress = 1.0, ("under_duress",), True
            elif factor < 1.0 and self._captor_to_family(message.sender, analysis):
                # the ransom call written from the child's phone: what the account said before
                # was the captor's too
                factor, extra, speaker.duress, lift = 1.0, ("under_duress",), True, True
            elif speaker.duress and factor < 1.0:
                # once controlled, what they pass on or tell of next counts in full too
                factor, extra, lift = 1.0, ("under_duress",), True
            elif not speaker.duress and self._controlled(speaker, analysis, factor < 1.0, index):
                # Across messages: "they said I must stay in a guesthouse alone" and later "don't
                # call me, don't tell mom". What they told of counts in full from now on.
                factor, extra, speaker.duress = 1.0, ("under_duress",), True
                lift = True
            for hit in analysis.hits:
                modifiers = hit.modifiers + extra
                ev = Evidence(
                    hit.tactic,
                    index,
                    hit.start,
                    hit.end,
                    message.text[hit.start : hit.end],
                    hit.score * factor,
                    hit.recognizer,
                    message.sender,
                    modifiers,
                )
                changed |= self._keep(speaker, ev)
            speaker.risk = self._score(message.sender, speaker)
            speaker.last_hit = index
            if lift:
                changed |= self._lift(message.sender, speaker)
        if self._learned is not None and message.sender != self.child and analysis.folded:
            text = analysis.model_text if analysis.model_text is not None else analysis.folded
            changed |= self._learn(message.sender, speaker, text, _frame_factor(analysis))
        if changed or index == 0:
            self._assessment = None
            if self.first_alert_at is None and _LEVEL_RANK[self._top().level] >= 3:
                self.first_alert_at = index

    def _older_teen_gap(self) -> bool:
        """Speakers who gave an age of 16 or 17 while another gave 13 or less talk across an age
        gap (not as peers). Returns whether a speaker's risk changed."""
        if not any(age <= YOUNG_CHILD for age in self._ages.values()):
            return False
        changed = False
        for name, age in self._ages.items():
            speaker = self.speakers.get(name)
            if age < OLDER_TEEN or speaker is None or speaker.age_gap or name == self.child:
                continue
            if any(a <= YOUNG_CHILD for other, a in self._ages.items() if other != name):
                speaker.age_gap = True
                if speaker.best:
                    speaker.risk = self._score(name, speaker)
                changed = True
        return changed

    def _declared_gap(self) -> bool:
        """An adult by their own word ("24 m") talking to someone who said they are a minor
        ("13 f", "im 14") or to the declared child talks across an age gap, as one who says
        "at ur age" does. Returns whether a speaker's risk changed."""
        changed = False
        for name in self.adults:
            speaker = self.speakers.get(name)
            if speaker is None or speaker.age_gap or speaker.peer:
                continue
            if name != self.child and (
                self.child is not None or any(m != name for m in self._minors_said)
            ):
                speaker.age_gap = True
                if speaker.best:
                    speaker.risk = self._score(name, speaker)
                    changed = True
        return changed

    def _answered_age(self, asker: str, message: int) -> tuple[bool, bool]:
        """The asker's age question in ``message`` got a minor's answer: whatever its wording
        ("asl", "age?"), it counts as a confident age probe from now on. Returns whether the
        asker asked for the age there, and whether that changed their evidence."""
        state = self.speakers.get(asker)
        kept = state.evidence.get("age_probing") if state is not None else None
        if state is None or not kept:
            return False, False
        asked = changed = False
        for n, ev in enumerate(kept):
            if ev.message != message:
                continue
            asked = True
            if ev.score < ANSWERED_AGE_SCORE:
                kept[n] = replace(
                    ev, score=ANSWERED_AGE_SCORE, modifiers=(*ev.modifiers, "answered_minor")
                )
                changed = True
        if changed:
            kept.sort(key=lambda e: -e.score)
            state.best["age_probing"] = _combined(kept)
            state.risk = self._score(asker, state)
        return asked, changed

    def _controlled(
        self, speaker: SpeakerState, analysis: MessageAnalysis, young: bool, index: int
    ) -> bool:
        """Whether, with this message, the speaker has both told of orders aimed at them and
        passed orders on in their own voice: someone controls them. The young person (``young``)
        asking the family for money counts as telling of them ("mẹ chuyển con 45tr")."""
        floor = self.knowledge.min_rule_score
        for hit in analysis.hits:
            mods = hit.modifiers
            raw = hit.score / (REPORTED_FACTOR if "reported_speech" in mods else 1.0)
            if raw < floor or any(m in _NOT_OWN_VOICE for m in mods if m != "reported_speech"):
                continue
            if young:
                self._shown_family(speaker, hit, analysis.complies, index)
            if "disclosed" in mods:
                speaker.tells_of_harm = True
                if hit.tactic in _SCRIPT_ORDERS:
                    speaker.told_orders.add(hit.tactic)
            elif hit.tactic == "money_demand" and not mods:
                speaker.asks_money = True
            elif hit.tactic in _PASSED_ON and not mods:
                speaker.passes_orders = True
        if _seen_through(speaker, analysis):
            return False  # they said they saw through the call: what they tell is its story
        told = speaker.tells_of_harm or (young and speaker.asks_money)
        orders_told = len(speaker.told_orders) >= 2 and not speaker.told_orders.isdisjoint(
            _SCRIPT_TAKES
        )
        families_shown = (
            not speaker.caller_voice
            and self.knowledge.controlled_account.shows_control(
                speaker.script_families, len(speaker.script_messages)
            )
        )
        # a story told of yesterday's call is not control, unless they say they obey it now
        script = (
            young and (analysis.complies or not speaker.retells) and (orders_told or families_shown)
        )
        return (speaker.passes_orders and told) or script

    def _shown_family(self, speaker: SpeakerState, hit: Hit, complies: bool, index: int) -> None:
        """Count the script family of one of the young person's hits (some tactics only when
        told of or obeyed now: categories.yaml, controlled_account)."""
        account = self.knowledge.controlled_account
        family = account.family_of(hit.tactic)
        if family is None:
            return
        if hit.tactic in account.told_only and not (complies or "disclosed" in hit.modifiers):
            return
        speaker.script_families.add(family)
        _note_message(speaker.script_messages, index)

    def _lift(self, name: str, speaker: SpeakerState) -> bool:
        """Count what the speaker said so far at full weight (they are under someone's control:
        their words are the controller's orders, and what they told of is happening)."""
        dropped = ("young_person", "reported_speech", "under_duress")

        def lifted(ev: Evidence) -> Evidence | None:
            mods = ev.modifiers
            scale = (1.0 / CHILD_FACTOR if "young_person" in mods else 1.0) * (
                1.0 / REPORTED_FACTOR if "disclosed" in mods and "reported_speech" in mods else 1.0
            )
            if scale <= 1.0:
                return None
            new_mods = (*(m for m in mods if m not in dropped), "under_duress")
            return replace(ev, score=min(1.0, ev.score * scale), modifiers=new_mods)

        return self._rewrite(name, speaker, lifted)

    def _captor_to_family(self, sender: str, analysis: MessageAnalysis) -> bool:
        """A confident ransom from the young person's own account is the captor's when it goes
        to a parent (captor_voice) or names a captor's price to anyone (captor_sum)."""
        captor = self.knowledge.captor_voice
        if not captor or not any(
            h.tactic in captor and h.score >= CAPTOR_SCORE and not h.modifiers
            for h in analysis.hits
        ):
            return False
        return any(p != sender for p in self.mothers_fathers) or self._names_a_price(analysis)

    def _names_a_price(self, analysis: MessageAnalysis) -> bool:
        """The message asks a sum at or above categories.yaml captor_sum in its currency."""
        floors = self.knowledge.captor_sum
        for ind in analysis.indicators:
            if ind.kind != "money":
                continue
            currency, _, amount = ind.normalized.partition(":")
            floor = floors.get(currency)
            try:
                if floor is not None and float(amount) >= floor:
                    return True
            except ValueError:
                continue
        return False

    def _under_duress(self, analysis: MessageAnalysis, speaker: SpeakerState) -> bool:
        groups = self.knowledge.duress
        if not groups or _seen_through(speaker, analysis):
            # the orders of a call they said they saw through ("sáng nay t dính cuộc gọi lừa
            # đảo ... xong bảo t phải thuê phòng") are that story's
            return False
        floor = self.knowledge.min_rule_score
        strong = {h.tactic for h in analysis.hits if h.score >= floor}
        return all(not group.isdisjoint(strong) for group in groups)

    def _learn(self, name: str, speaker: SpeakerState, folded: str, factor: float = 1.0) -> bool:
        """Feed one message to the learned stage; True when the speaker's probability moved."""
        stage = self._learned
        assert stage is not None
        agg = speaker.learned
        if agg is None:
            agg = speaker.learned = stage.new_aggregate()
        # The model reads topics; a warning, a news story or a quoted scam share the topic of an
        # attack. The frames that discount the patterns discount the model's reading too.
        p = stage.message_probability(folded) * factor
        read_before = _rule_reading(speaker.learned_p, speaker.learned_words)
        crossed = False
        if speaker.learned_words < MIN_STYLE_WORDS:
            speaker.learned_words += len(TOKEN_RE.findall(folded))
            # the model's reading may count in full from now on: re-assess
            crossed = speaker.learned_words >= MIN_STYLE_WORDS
        if p > speaker.learned_top:
            speaker.learned_top, speaker.learned_text = p, folded[:1000]
            speaker.learned_category_known = False
        q = agg.update(p)
        last = speaker.learned_p
        now_read = _rule_reading(q, speaker.learned_words)
        if speaker.best and any(
            min(now_read, read_before) < t <= max(now_read, read_before)
            for t in self.knowledge.learned_thresholds
        ):
            # a rule that asks for the model's reading may start or stop to fire
            speaker.learned_p = q
            speaker.risk = self._score(name, speaker)
            return True
        if abs(q - last) < LEARNED_STEP and not crossed:
            # small moves re-assess only when they change the level (assessing is not free)
            levels = self.knowledge.level_thresholds
            t = speaker.risk.risk
            corroborate = self._corroborates(name, speaker)
            now, before = (
                combined_risk(t, _learned_share(t, q), corroborate),
                combined_risk(t, _learned_share(t, last), corroborate),
            )
            if level_of(now, levels) == level_of(before, levels):
                return False
        speaker.learned_p = q
        return True

    def _learned_part(self, tactic_risk: float, state: SpeakerState) -> float:
        """The learned probability as it counts in the risk. Without a minor in sight, the
        model alone does not call a chat grooming: adults' sexual chat reads the same to it."""
        share = _learned_share(tactic_risk, state.learned_p)
        if share <= LEARNED_ALONE_CAP or tactic_risk >= TACTIC_EVIDENCE:
            return share
        if state.learned_words < MIN_STYLE_WORDS:
            # A few words are too little style to read: "tk của mẹ: 0071000123456 vietcombank"
            # from a mother is one account number, and the model weighs it as spam.
            return LEARNED_ALONE_CAP
        if (
            not self.minor
            and self._learned is not None
            and self._learned_category(state) == "grooming"
        ):
            return LEARNED_ALONE_CAP
        return share

    def _corroborates(self, name: str, state: SpeakerState) -> bool:
        """Whether the model's reading may multiply this speaker's partial tactic evidence
        (:func:`notalone.detect.learned.corroborated`)."""
        if state.learned_words < MIN_STYLE_WORDS:
            return False  # "whats your password?" alone is too little style to read
        category = self.knowledge.categories.get(state.risk.category or "")
        if category is not None and category.not_from_parent and name in self.parents:
            # a family's words are not a groomer's or a kidnapper's, whatever the style
            return False
        if category is None or self.minor:
            return True
        # The model read predators' chats and cannot tell them from adults' sexual chat: when
        # the listener said they are an adult and no minor shows, it corroborates no grooming;
        # with no age known, only a speaker who did more than talk sex and flatter.
        if state.risk.category == "grooming" and any(a != name for a in self.adults):
            return False
        needs = category.corroborated_without_minor_by
        return not needs or any(t in state.best for t in needs)

    def _learned_category(self, state: SpeakerState) -> str | None:
        """The category the speaker's most harmful-looking message points at, computed once
        per such message (asked at every re-assessment; the model's category head is slow)."""
        if not state.learned_category_known and self._learned is not None:
            state.learned_category = self._learned.message_category(state.learned_text)
            state.learned_category_known = True
        return state.learned_category

    @property
    def risk(self) -> float:
        """The conversation's risk now (what :attr:`assessment` would say, without building
        the evidence list, explanations and advice)."""
        return self._top().risk

    @property
    def assessment(self) -> Assessment:
        if self._assessment is None:
            self._assessment = self._assess()
        return self._assessment

    def _speaker(self, name: str) -> SpeakerState:
        state = self.speakers.get(name)
        if state is None:
            if len(self.speakers) >= MAX_SPEAKERS:
                # Large group chats: fold the quietest newcomers together to keep state bounded.
                name = "__others__"
                state = self.speakers.get(name)
            if state is None:
                state = self.speakers[name] = SpeakerState()
                if _parent_name(name, self.knowledge.parent_names):
                    self.parents.add(name)
                    self.mothers_fathers.add(name)
        return state

    def _mark_parent(self, sender: str) -> bool:
        """ "ok mom", "mẹ ơi": the speaker before, if it is someone else, is the sender's parent.
        A chat that opens with "dad can u pick me up" names the one who answers."""
        other = self._last_sender
        if other is None:
            self._parent_pending = sender
            return False
        if other == sender:
            return False
        return self._mark_family(other, parent=True)

    def _mark_family(self, other: str, parent: bool = False) -> bool:
        """``other`` is the young person's family (a parent, or a brother or sister who says
        "mẹ dặn"): what a family says is judged as a family's (categories not_from_parent)."""
        if parent and len(self.mothers_fathers) < MAX_SPEAKERS:
            self.mothers_fathers.add(other)
        if other in self.parents or len(self.parents) >= MAX_SPEAKERS:
            return False
        self.parents.add(other)
        state = self.speakers.get(other)
        if state is not None and state.best:
            state.risk = self._score(other, state)
        return True

    def _score(self, name: str, state: SpeakerState) -> SpeakerRisk:
        # the listener said they are an adult: anyone in the chat other than this speaker
        adult = not self.minor and any(a != name for a in self.adults)
        return score_speaker(
            state.best,
            self.knowledge,
            minor=self.minor,
            adult=adult,
            age_gap=state.age_gap,
            peer=state.peer and not state.age_gap,
            again=_again(state) if self.knowledge.has_repeat_rules else None,
            parent=name in self.parents,
            learned=_rule_reading(state.learned_p, state.learned_words),
            youth=any(s != name and s not in self.adults for s in self._youth_speakers),
        )

    def _rescore_all(self) -> None:
        """What a speaker's evidence means changed (a minor or an adult showed): re-score."""
        for name, state in self.speakers.items():
            if state.best:
                state.risk = self._score(name, state)

    def _requalify(self, name: str, speaker: SpeakerState, message: int) -> bool:
        """The speaker's evidence from ``message`` turns out to be a warning: discount it."""

        def warned(ev: Evidence) -> Evidence | None:
            if ev.message != message or "warning" in ev.modifiers:
                return None
            return replace(
                ev, score=ev.score * WARNING_FACTOR, modifiers=(*ev.modifiers, "warning")
            )

        return self._rewrite(name, speaker, warned)

    def _rewrite(
        self, name: str, speaker: SpeakerState, change: Callable[[Evidence], Evidence | None]
    ) -> bool:
        """Replace each kept evidence that ``change`` rewrites (None: keep it as it is), then
        re-rank, re-combine and re-score the speaker if anything changed."""
        changed = False
        for tactic, kept in speaker.evidence.items():
            for n, ev in enumerate(kept):
                new = change(ev)
                if new is not None:
                    kept[n] = new
                    changed = True
            kept.sort(key=lambda e: -e.score)
            speaker.best[tactic] = _combined(kept)
        if changed:
            speaker.best = {t: s for t, s in speaker.best.items() if s > 0}
            speaker.risk = self._score(name, speaker)
        return changed

    @staticmethod
    def _keep(speaker: SpeakerState, ev: Evidence) -> bool:
        kept = speaker.evidence.setdefault(ev.tactic, [])
        if len(kept) >= EVIDENCE_PER_TACTIC and ev.score <= kept[-1].score:
            return False
        kept.append(ev)
        kept.sort(key=lambda e: -e.score)
        del kept[EVIDENCE_PER_TACTIC:]
        speaker.best[ev.tactic] = _combined(kept)
        return True

    def _language(self) -> str:
        if self.lang in self.knowledge.packs:
            return self.lang
        if self.language_votes:
            lang = max(self.language_votes.items(), key=lambda kv: kv[1])[0]
            if lang in self.knowledge.packs:
                return lang
        return self.knowledge.default_language

    def _top(self) -> TopSpeaker:
        """The speaker who weighs most (cheap: nothing is sorted, explained or split)."""
        top_name, top = None, SpeakerRisk(0.0, None, None)
        top_risk, top_state = 0.0, None
        for name, state in self.speakers.items():
            risk = state.risk
            if name == self.child and self.child is not None and not state.duress:
                continue  # the young person's own words raise no alarm against themselves
            if self._learned is not None:
                # final risk: tactic evidence and the calibrated learned probability
                combined = combined_risk(
                    risk.risk,
                    self._learned_part(risk.risk, state),
                    self._corroborates(name, state),
                )
            else:
                combined = risk.risk
            if combined > top_risk:
                top_name, top, top_risk, top_state = name, risk, combined, state
        level = level_of(top_risk, self.knowledge.level_thresholds)
        return TopSpeaker(top_name, top, top_risk, level, top_state)

    def _contributions(self, top: TopSpeaker) -> dict[str, float]:
        """How much of the top speaker's risk each part brought (for the explanation)."""
        if self._learned is None:
            return {"tactics": top.tactics.risk if top.state is not None else 0.0}
        if top.state is None:
            return {"tactics": 0.0, "learned": 0.0}
        part = self._learned_part(top.tactics.risk, top.state)
        corroborate = top.name is not None and self._corroborates(top.name, top.state)
        return combine(top.tactics.risk, part, corroborate=corroborate)[1]

    def _assess(self) -> Assessment:
        top = self._top()
        level = top.level
        evidence = sorted(
            (e for s in self.speakers.values() for kept in s.evidence.values() for e in kept),
            key=lambda e: (e.message, e.start, e.tactic),
        )
        lang = self._language()
        category = top.tactics.category if level != "none" else None
        if category is None and level != "none" and self._learned is not None and top.state:
            category = self._learned_category(top.state)
        return Assessment(
            id=self.id,
            risk=top.risk,
            level=level,
            category=category,
            first_alert_at=self.first_alert_at,
            evidence=tuple(evidence),
            indicators=tuple(self.indicators),
            advice=self._explainer.advice(lang, level, category, self.country),
            explanations=tuple(self._explainer.explain(lang, e) for e in evidence),
            lang=lang,
            summary=self._explainer.summary(lang, level, category, top.name, top.tactics.rule),
            contributions=self._contributions(top),
        )
