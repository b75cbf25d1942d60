"""One message in, evidence out: normalise, run the pattern index, apply frames, add indicators.

Frames tell warnings from attacks: a hit inside a warning ("police never ask you to go to a
hotel"), a news report, reported speech ("if someone tells you to...") or a negation ("don't
transfer") is discounted, and the evidence records why.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import islice

from notalone.detect.indicators import (
    Indicator,
    IndicatorLookup,
    brand_for_sender,
    brand_in_opening,
    brand_kind,
    extract_indicators,
)
from notalone.detect.lexicon import Knowledge
from notalone.detect.normalize import NormalizedText, normalize
from notalone.detect.phrases import TOKEN_RE
from notalone.detect.recognizers import RecognizerResult

# How much each frame leaves of a hit's score. Kept here, not in data, because they shape the
# scoring model itself (changing them changes every recognizer's meaning).
FRAME_FACTORS = {
    "warning": 0.25,
    "news": 0.3,
    "reported_speech": 0.35,
    "negation": 0.2,
    "benign_context": 0.4,
    "quoted": 0.35,
    # "is this real?": whoever asks whether a message is genuine is not the one sending it. A
    # scammer may borrow a warning ("to protect you from fraud, verify at ..."), never a doubt.
    "doubt": 0.25,
}
# A passage in quotation marks of at least this many words is someone else's words being
# shown ("I got this SMS: '...'", a teacher reading out a scam script), not the speaker's order.
QUOTE_MIN_WORDS = 4
# Quotation marks pair in order: a short quote ("girls" or "boys") must not leave its closing
# mark to open a false quote over the speaker's own words (its length is checked in words).
# Straight single quotes are apostrophes too: one opens a quote only at a word start and closes
# it only before a space or punctuation ("'USPS: ... within 12 hours.' and then a link"), and
# an apostrophe inside a word ("don't") does not close it.
_QUOTED = re.compile(
    r'"([^"]*)"|“([^”]*)”|«([^»]*)»|„([^“”]*)[“”]|‘([^’]*)’'
    r"|(?:^|(?<=[\s(:]))'((?:[^'\n]|'(?=\w))+)'(?=[\s.,!?;:)]|$)"
)
# Frames tied to grammar and everyday vocabulary apply within their own language only; a
# warning or a news cue says the same thing whatever language the hit is in.
_SAME_LANGUAGE_FRAMES = frozenset({"negation", "benign_context", "condition"})
# Frames that do not scale a hit themselves: conditions only shape negation; minor, adult and
# age-gap cues shape categories (conversation); doubt weighs on the whole message, links
# included, and fake-link cues on its links (see analyze).
_NOT_HIT_MODIFIERS = frozenset(
    {
        "condition",
        "minor",
        "doubt",
        "adult",
        "fake_link",
        "age_gap",
        "peer",
        "clause_break",
        "parent_address",
        "family_voice",
        "age_answer",
        "disclosure",
        "retelling",
        "complying",
        "saw_through",
        "caller_voice",
        "youth",
    }
)
NEGATION_WINDOW = 3  # words between a negator and the hit it negates
_CLAUSE_END = re.compile(r"[?.!;,:\n]")
MAX_MESSAGE_CHARS = 20_000  # longer messages are analysed in their first and last parts

_VI_LETTERS = frozenset("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


@dataclass(frozen=True, slots=True)
class Hit:
    """A tactic found in one message, with its span in the ORIGINAL text."""

    tactic: str
    start: int
    end: int
    score: float
    recognizer: str
    language: str
    modifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    hits: tuple[Hit, ...]
    indicators: tuple[Indicator, ...]
    folded: str = ""  # the normalised text, for language votes without normalising twice
    warns: bool = False  # the message calls something a scam or warns about one
    minor: bool = False  # the message says someone in the conversation is under 18
    official: bool = False  # it comes from an official sender or links only official domains
    adult: bool = False  # the speaker says they are an adult
    age_gap: bool = False  # the speaker talks as an adult to a minor ("at ur age")
    peer: bool = False  # the speaker says they are a minor themselves ("same im 14")
    model_text: str | None = None  # what the learned stage reads when not ``folded``
    calls_parent: bool = False  # the speaker addresses the other one as their parent
    family_voice: bool = False  # the speaker speaks of the listener's parent as their own
    age_answer: bool = False  # the message is only an age ("15"): see ConversationState
    stated_age: int | None = None  # the age the speaker gives as their own ("j'ai 16 ans", "12")
    retells: bool = False  # the speaker tells of a call or message as past and as a claim
    complies: bool = False  # the speaker says they follow the orders now
    saw_through: bool = False  # the speaker says they saw through a call (a scam, hung up)
    caller_voice: bool = False  # the speaker introduces themselves as an officer
    # the young person's everyday life cues it holds, by pattern ("gave us a test", "bedtime")
    youth: frozenset[tuple[str, int]] = frozenset()
    # a cue of a young person's life told in the speaker's own voice ("my mom says get off"):
    # the speaker is young themselves, as when they give their age ("same im 14")
    own_youth: bool = False


def _page_link(ind: Indicator) -> bool:
    return ind.kind == "url" and bool(ind.attrs.get("official") or ind.attrs.get("user_content"))


def model_text(text: str, indicators: Sequence[Indicator], vocabulary: Collection[str]) -> str:
    """The folded text the learned stage reads. A link to a page of a brand's own site or of a
    platform where anyone publishes is read as its host alone: what it points at is a post,
    not a scam, and its ids ("tiktok.com/@an/video/7291827364") read like a premium-rate
    number to a model trained on SMS spam. Training folds its texts the same way."""
    links = sorted((i.start, i.end, i.attrs.get("host", "")) for i in indicators if _page_link(i))
    if not links:
        return normalize(text, vocabulary).text
    parts: list[str] = []
    pos = 0
    for start, end, host in links:
        if start >= pos:
            parts += [text[pos:start], host]
            pos = end
    parts.append(text[pos:])
    return normalize("".join(parts), vocabulary).text


class MessageAnalyzer:
    def __init__(self, knowledge: Knowledge, lookup: IndicatorLookup | None = None) -> None:
        self.knowledge = knowledge
        self.lookup = lookup  # the scam-indicator registry, when the caller has one
        self._function_words = {lang: p.function_words for lang, p in knowledge.packs.items()}

    def analyze(self, text: str, sender: str | None = None) -> MessageAnalysis:
        """``sender``: who sent it, when known (an SMS brandname such as "Vietcombank")."""
        if not text:
            return MessageAnalysis((), ())
        if len(text) > MAX_MESSAGE_CHARS:
            return self._analyze_long(text, sender)
        norm = normalize(text, self.knowledge.vocabulary)
        results = self.knowledge.index.analyze(norm)
        indicators = tuple(extract_indicators(text))
        if not results and not indicators:
            # most messages: nothing found, and only the sender can make them official
            return MessageAnalysis((), (), norm.text, official=_official_source((), sender))
        kinds = {r.kind for r in results}
        if any(not k.startswith("frame:") for k in kinds):
            results.extend(self.knowledge.context_index.analyze(norm))
        suspicious = any(i.attrs.get(attr) for i in indicators for attr, _, _ in _LINK_SIGNALS)
        links = tuple((i.start, i.end) for i in indicators if i.kind in _LINK_KINDS)
        hits = _apply_frames(norm, results, suspicious, links) if results else []
        official = _official_source(indicators, sender) and not _asks_for_secrets(hits, results)
        masked = (
            model_text(text, indicators, self.knowledge.vocabulary)
            if any(_page_link(i) for i in indicators)
            else None
        )
        if hits:
            hits = _drop_official_links(hits, indicators)
            if official:
                hits = _discount(hits, OFFICIAL_FACTOR, "official_source")
        hits.extend(_frame_links(_indicator_hits(indicators, text, sender), results))
        doubt = "frame:doubt" in kinds
        if doubt and hits:
            hits = _discount(hits, FRAME_FACTORS["doubt"], "doubt")
        if self.lookup is not None and indicators:
            hits = _apply_registry(self.lookup, indicators, hits)
        if _QUOTED.search(text) and (hits or not kinds.isdisjoint(_SPEAKER_FRAMES)):
            spans = _quote_spans(text)
            hits = _apply_quotes(hits, spans)
            # "he'd say 'ur so mature for ur age'": the speaker tells of someone's words; what
            # those words say about ages is not about the speaker or their listener
            kinds -= _SPEAKER_FRAMES
            kinds.update(
                r.kind
                for r in results
                if r.kind in _SPEAKER_FRAMES
                and not _inside(spans, *norm.to_original(r.start, r.end))
            )
        peer = "frame:peer" in kinds
        own_age = peer or "frame:age_answer" in kinds
        return MessageAnalysis(
            tuple(hits),
            indicators,
            norm.text,
            warns=doubt or "frame:warning" in kinds,
            minor="frame:minor" in kinds or peer,
            official=official,
            adult="frame:adult" in kinds,
            age_gap="frame:age_gap" in kinds,
            peer=peer,
            model_text=masked,
            calls_parent="frame:parent_address" in kinds,
            family_voice="frame:family_voice" in kinds,
            age_answer="frame:age_answer" in kinds,
            stated_age=_stated_age(norm.text, results) if own_age else None,
            retells="frame:retelling" in kinds,
            complies="frame:complying" in kinds,
            saw_through="frame:saw_through" in kinds,
            caller_voice="frame:caller_voice" in kinds,
            youth=frozenset((r.recognizer, r.pattern) for r in results if r.kind == "frame:youth")
            if "frame:youth" in kinds
            else frozenset(),
            own_youth=("frame:youth" in kinds or "frame:minor" in kinds)
            and self._own_voice(norm.text, results),
        )

    def _analyze_long(self, text: str, sender: str | None) -> MessageAnalysis:
        # A huge paste is scanned in overlapping windows so every span stays exact.
        hits: list[Hit] = []
        indicators: list[Indicator] = []
        parts: list[MessageAnalysis] = []
        step = MAX_MESSAGE_CHARS - 500
        for base in range(0, len(text), step):
            part = self.analyze(text[base : base + MAX_MESSAGE_CHARS], sender)
            parts.append(part)
            hits.extend(
                Hit(
                    h.tactic,
                    h.start + base,
                    h.end + base,
                    h.score,
                    h.recognizer,
                    h.language,
                    h.modifiers,
                )
                for h in part.hits
                if base == 0 or h.start >= 500
            )
            for ind in part.indicators:
                if base == 0 or ind.start >= 500:
                    indicators.append(_shift(ind, base))
        return MessageAnalysis(
            tuple(hits),
            tuple(indicators),
            text[:MAX_MESSAGE_CHARS].lower(),
            warns=any(p.warns for p in parts),
            minor=any(p.minor for p in parts),
            adult=any(p.adult for p in parts),
            age_gap=any(p.age_gap for p in parts),
            peer=any(p.peer for p in parts),
            youth=frozenset().union(*(p.youth for p in parts)),
            own_youth=any(p.own_youth for p in parts),
            # official only if every window is: the sender is, and no window links elsewhere
            official=all(p.official for p in parts),
            calls_parent=any(p.calls_parent for p in parts),
            family_voice=any(p.family_voice for p in parts),
            retells=any(p.retells for p in parts),
            complies=any(p.complies for p in parts),
            saw_through=any(p.saw_through for p in parts),
            caller_voice=any(p.caller_voice for p in parts),
        )

    def _own_voice(self, folded: str, results: Sequence[RecognizerResult]) -> bool:
        """A minor or youth cue whose words open in the first person and never address the
        listener ("my mom says get off", not "is ur mom home" or "u have a quiz")."""
        for r in results:
            if r.kind not in ("frame:youth", "frame:minor"):
                continue
            persons = self.knowledge.persons.get(r.language)
            if persons is None:
                continue
            first, second = persons
            words = TOKEN_RE.findall(folded[r.start : r.end])
            if words and words[0] in first and second.isdisjoint(words):
                return True
        return False

    def language_votes(self, text: str, folded: str) -> dict[str, int]:
        """Evidence for each language: Vietnamese letters, then frequent function words."""
        votes: dict[str, int] = {}
        if not _VI_LETTERS.isdisjoint(text.lower()):
            votes["vi"] = 3
        tokens = set(TOKEN_RE.findall(folded))
        for lang, words in self._function_words.items():
            n = len(tokens & words)
            if n:
                votes[lang] = votes.get(lang, 0) + n
        return votes


_AGE_NUMBER = re.compile(r"(?<![\d.,])(1[0-7]|[89])(?![\d.,]\d)")
_OWN_AGE_FRAMES = frozenset({"frame:peer", "frame:age_answer"})


def _stated_age(folded: str, results: Sequence[RecognizerResult]) -> int | None:
    """The age a speaker gives as their own: the first number of a peer cue ("j'ai 16 ans",
    "im 14") or of a message that answers with an age ("12 presque 13")."""
    for r in results:
        if r.kind in _OWN_AGE_FRAMES:
            m = _AGE_NUMBER.search(folded, r.start, r.end)
            if m is not None:
                return int(m.group())
    return None


def _shift(ind: Indicator, base: int) -> Indicator:
    return Indicator(
        ind.kind, ind.value, ind.normalized, ind.start + base, ind.end + base, ind.attrs
    )


def _apply_frames(
    norm: NormalizedText,
    results: list[RecognizerResult],
    suspicious_link: bool = False,
    links: tuple[tuple[int, int], ...] = (),
) -> list[Hit]:
    """Frame-adjusted hits, then per tactic the strongest of overlapping ones: a longer hit
    that holds its own negation ("chưa thanh toán phí") is not beaten by a shorter one that
    the negation then cuts down. ``suspicious_link``: one of the message's links is a
    look-alike, an APK or a shortener, and an everyday context (tuition, a class trip) is
    no excuse for it; nor for a credential request, or a lure found on a link (``links``,
    spans of the original text)."""
    frames = [r for r in results if r.kind.startswith("frame:")]
    tactics = [r for r in results if not r.kind.startswith("frame:")]
    text = norm.text
    # Orders the speaker reports as aimed at themselves ("họ bảo t phải ra nhà nghỉ") are
    # marked "disclosed" (still discounted as reported speech): whether they count in full is
    # the conversation's call, once the speaker also passes such orders on (see observe).
    disclosed_from = min(
        (f.start for f in frames if f.kind == "frame:disclosure"), default=len(text) + 1
    )
    conditions = [f for f in frames if f.kind == "frame:condition"]
    # Each hit looks only at the negators just before it (nearest first, until the window is
    # passed) and finds clause breaks by bisection: a long message holds thousands of hits and
    # negators, and comparing every pair made it quadratic.
    negations = sorted(
        (f.end, place, f) for place, f in enumerate(frames) if f.kind == "frame:negation"
    )
    negation_ends = [end for end, _, _ in negations]
    break_starts: dict[str, list[int]] = {}
    for f in frames:
        if f.kind == "frame:clause_break":
            break_starts.setdefault(f.language, []).append(f.start)
    for starts in break_starts.values():
        starts.sort()
    # the other frames that may scale a hit, by kind, in their order
    by_kind: dict[str, list[tuple[int, RecognizerResult]]] = {}
    for place, f in enumerate(frames):
        kind = f.kind[6:]
        if kind not in _NOT_HIT_MODIFIERS and kind != "negation":
            by_kind.setdefault(kind, []).append((place, f))
    hits: list[Hit] = []
    for r in tactics:
        start, end = norm.to_original(r.start, r.end)
        unexcused = (
            suspicious_link
            or r.kind == "credential_request"
            or (r.kind == "phishing_link" and any(s < end and start < e for s, e in links))
        )
        applied: list[tuple[int, str]] = []  # (place of the first frame that applies, kind)
        for kind, entries in by_kind.items():
            if kind == "benign_context" and unexcused:
                continue  # "pay the tuition at hocphi-xxx.online with your bank login"
            for place, f in entries:
                if kind in _SAME_LANGUAGE_FRAMES and f.language != r.language:
                    continue
                if kind == "reported_speech" and f.start > r.start:
                    continue
                if f.start < r.end and r.start < f.end and kind in ("warning", "news"):
                    # A cue that IS the evidence ("lừa đảo" in an accusation) is not a frame.
                    continue
                applied.append((place, kind))
                break
        if r.start >= disclosed_from:
            applied.append((len(frames), "disclosed"))
        negated = _negated_at(text, r, negations, negation_ends, conditions, break_starts)
        if negated is not None:
            applied.append((negated, "negation"))
        applied.sort()
        score = r.score
        for _, kind in applied:
            score *= FRAME_FACTORS.get(kind, 1.0)
        modifiers = tuple(kind for _, kind in applied)
        hits.append(Hit(r.kind, start, end, score, r.recognizer, r.language, modifiers))
    return _dedupe(hits)


def _negated_at(
    text: str,
    r: RecognizerResult,
    negations: list[tuple[int, int, RecognizerResult]],
    negation_ends: list[int],
    conditions: list[RecognizerResult],
    break_starts: dict[str, list[int]],
) -> int | None:
    """The place (among the frames) of the first negator that negates ``r``, or None.
    ``negations`` is sorted by end: walking back from the hit, the words in between only grow,
    so the walk stops at the first negator beyond the window."""
    lo = bisect_left(negation_ends, r.start)
    hi = bisect_right(negation_ends, r.end)
    # "do not hang up do not text anyone": a hit holding its own negator is an order of its
    # own, which a negator before it does not reverse
    if any(g.start >= r.start for _, _, g in negations[lo:hi]):
        return None
    first: int | None = None
    i = bisect_right(negation_ends, r.start)
    while i > 0:
        i -= 1
        _, place, f = negations[i]
        if f.language != r.language or f.start >= r.start:
            continue  # vi "k" (không) must not negate an English hit; "ok" is "k" there
        if _words_between(text, f.end, r.start) > NEGATION_WINDOW:
            break  # too far, and every negator before it is farther
        if _CLAUSE_END.search(text, f.end, r.start):
            continue  # in another clause ("... không? Gửi ảnh đi")
        if _in_condition(text, f, conditions):
            continue  # "if you don't pay, I leak them": the negation is the condition's
        starts = break_starts.get(f.language, ())
        k = bisect_left(starts, f.start)
        if k < len(starts) and starts[k] < r.end:
            continue  # "don't tell anyone or YOU will be arrested": a new clause
        if first is None or place < first:
            first = place
    return first


# Frames that say something about the speaker or the listener (ages, who is a minor)
_SPEAKER_FRAMES = frozenset(
    {"frame:minor", "frame:adult", "frame:age_gap", "frame:peer", "frame:youth"}
)


def _quote_spans(text: str) -> list[tuple[int, int]]:
    return [
        m.span()
        for m in _QUOTED.finditer(text)
        if len(TOKEN_RE.findall(m.group())) >= QUOTE_MIN_WORDS
    ]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < start and end <= e for s, e in spans)


def _apply_quotes(hits: list[Hit], spans: list[tuple[int, int]]) -> list[Hit]:
    out: list[Hit] = []
    for h in hits:
        if "quoted" not in h.modifiers and _inside(spans, h.start, h.end):
            h = Hit(
                h.tactic,
                h.start,
                h.end,
                h.score * FRAME_FACTORS["quoted"],
                h.recognizer,
                h.language,
                (*h.modifiers, "quoted"),
            )
        out.append(h)
    return out


# A message from an official brandname sender ("Vietcombank", "VIETTEL") or whose links all
# lead to official domains is most likely genuine: its words weigh half. A brandname can be
# spoofed (fake base stations send "Vietcombank" SMS), but then the link is a look-alike,
# and any link that is not official cancels the discount.
OFFICIAL_FACTOR = 0.5
_LINK_KINDS = ("url", "domain")


def _brand_owned(ind: Indicator) -> bool:
    """An official domain whose content is the brand's own (not t.me/..., zalo.me/...)."""
    return bool(ind.attrs.get("official")) and not ind.attrs.get("user_content")


def _official_source(indicators: tuple[Indicator, ...], sender: str | None) -> bool:
    # A link in capitals is a merchant's name on a statement ("APPLE.COM/BILL") or a reference
    # code, not a link the message sends: it says nothing of who sent it (dev68 en: a "CHASE
    # FRAUD DEPT" call-back scam from a plain number naming the merchant).
    links = [i for i in indicators if i.kind in _LINK_KINDS and not i.value.isupper()]
    if not all(_brand_owned(i) for i in links):
        return False
    if links:
        return True
    if sender is None:
        return False
    kind = _official_sender(sender)
    if kind is None:
        return False
    # A bank, wallet or state agency gives a hotline or short code, never a personal line: a
    # "Vietcombank" SMS saying "call 0912 345 678" is the call-back scam of a spoofed sender.
    return kind not in _NO_PERSONAL_LINES or not any(
        i.kind == "phone" and i.attrs.get("line_type") in _PERSONAL_LINES for i in indicators
    )


_NO_PERSONAL_LINES = frozenset({"bank", "ewallet", "government", "police"})
_PERSONAL_LINES = frozenset({"mobile", "fixed_line_or_mobile", "personal", "voip"})

# Nor does a genuine sender ask for a one-time code, a password or a card in so many words
# ("provide the one-time code sent to you to cancel the transfer"): a strong credential request
# that no warning, doubt or negation weakened makes a brandname sender a spoofed one. Genuine
# code SMS ("471 662 is your code. Don't share it") stay below this score. Nor does one demand
# a transfer to an account in so many words ("thiếu phí thông quan 780.000đ. Vui lòng chuyển
# khoản vào STK ... (PHAM VAN LOC)", dev50 vi): genuine bills name the channel, not an account.
_NEVER_ASKED_BY_OFFICIALS = {"credential_request": 0.8, "money_demand": 0.85}
_KEEPS_OFFICIAL = frozenset({"frame:warning", "frame:doubt", "frame:negation"})


def _asks_for_secrets(hits: list[Hit], results: list[RecognizerResult]) -> bool:
    # any warning, doubt or negation in the message keeps the discount: "do not give your
    # login, password or OTP" may leave its negator further from the OTP than a frame reaches
    if any(r.kind in _KEEPS_OFFICIAL for r in results):
        return False
    return any(
        h.tactic in _NEVER_ASKED_BY_OFFICIALS and h.score >= _NEVER_ASKED_BY_OFFICIALS[h.tactic]
        for h in hits
    )


@functools.lru_cache(maxsize=4096)
def _official_sender(sender: str) -> str | None:
    """The kind of brand whose official sender name this is (None: not an official sender)."""
    brand = brand_for_sender(sender)
    return brand_kind(brand) if brand is not None else None


def _discount(hits: list[Hit], factor: float, why: str) -> list[Hit]:
    return [
        Hit(
            h.tactic,
            h.start,
            h.end,
            h.score * factor,
            h.recognizer,
            h.language,
            (*h.modifiers, why),
        )
        for h in hits
    ]


# What the registry's verdict on an indicator found in a message does to the message's evidence.
REPORTED_SCORES = {"confirmed_scam": 0.95, "reported": 0.5}
TRUSTED_FACTOR = 0.5  # an official sender or domain halves what the words alone suggest


def _apply_registry(
    lookup: IndicatorLookup, indicators: tuple[Indicator, ...], hits: list[Hit]
) -> list[Hit]:
    reported: list[Hit] = []
    trusted = False
    for ind in indicators:
        if ind.kind == "money":
            continue
        try:
            verdict = lookup.lookup(ind.kind, ind.normalized)
        except Exception:  # a registry outage must not stop detection
            continue
        if verdict is None:
            continue
        if verdict.status in REPORTED_SCORES:
            score = REPORTED_SCORES[verdict.status]
            reported.append(
                Hit(
                    "reported_indicator",
                    ind.start,
                    ind.end,
                    score,
                    f"registry.{verdict.status}.v1",
                    "",
                    (),
                )
            )
        elif verdict.status == "trusted" and not ind.attrs.get("user_content"):
            # t.me/..., zalo.me/...: Telegram's or Zalo's domain, but anyone's channel
            trusted = True
    if trusted and not reported:
        hits = [
            Hit(
                h.tactic,
                h.start,
                h.end,
                h.score * TRUSTED_FACTOR,
                h.recognizer,
                h.language,
                (*h.modifiers, "trusted_source"),
            )
            for h in hits
        ]
    return hits + reported


def _in_condition(
    text: str, negation: RecognizerResult, conditions: list[RecognizerResult]
) -> bool:
    """A negator within a few words after "if / unless / nếu / si" belongs to that condition."""
    return any(
        c.language == negation.language
        and c.end <= negation.start
        and _words_between(text, c.end, negation.start, 3) <= 3
        for c in conditions
    )


def _words_between(text: str, start: int, end: int, limit: int = NEGATION_WINDOW) -> int:
    """Words in text[start:end], counted up to limit + 1 (enough to say "more than limit")."""
    return sum(1 for _ in islice(TOKEN_RE.finditer(text, start, end), limit + 1))


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Per tactic, keep the strongest of overlapping hits."""
    hits.sort(key=lambda h: (h.tactic, -h.score, h.start, -h.end))  # ties: the longer span
    kept: list[Hit] = []
    # per tactic, the kept spans never overlap, so sorted by start they are sorted by end too:
    # only the last one starting before a hit's end can overlap it
    spans: dict[str, tuple[list[int], list[int]]] = {}
    for h in hits:
        starts, ends = spans.setdefault(h.tactic, ([], []))
        i = bisect_left(starts, h.end)
        if i and ends[i - 1] > h.start:
            continue
        starts.insert(i, h.start)
        ends.insert(i, h.end)
        kept.append(h)
    return kept


def _drop_official_links(hits: list[Hit], indicators: tuple[Indicator, ...]) -> list[Hit]:
    """A link-shaped phrase over an official domain ("impots.gouv.fr") is not phishing."""
    official = [(i.start, i.end) for i in indicators if _brand_owned(i)]
    if not official:
        return hits
    return [
        h
        for h in hits
        if h.tactic != "phishing_link" or not any(s < h.end and h.start < e for s, e in official)
    ]


# Indicator attributes that are phishing evidence on their own, with the score they carry.
_LINK_SIGNALS = (
    ("lookalike_of", 0.85, "lookalike"),
    ("apk", 0.8, "apk"),
    ("shortener", 0.45, "shortener"),
    ("defanged", 0.6, "defanged"),  # a link written so that no app makes it a link
)


def _frame_links(hits: list[Hit], results: list[RecognizerResult]) -> list[Hit]:
    """A warning that calls its links fakes ("Công an cảnh báo các trang giả mạo như
    vcb-online.top") names them, it does not send them: its link hits take the warning
    factor. A warning word alone is not enough: scams borrow them ("Vietcombank cảnh báo:
    ..., xác minh tại vcb-xacminh.top"), but never call their own link a fake."""
    if not hits:
        return hits
    found = {r.kind for r in results}
    if "frame:warning" not in found or "frame:fake_link" not in found:
        return hits
    return _discount(hits, FRAME_FACTORS["warning"], "warning")


# A message that speaks as a brand (its brandname sender, or "AusPost: ..." at its start) but
# links to a domain that brand does not own: how smishing borrows a name without a look-alike
# domain ("Amazon Prime: ... renewal-center.shop"). Weaker than a look-alike: brands do link to
# partners, so it takes a second sign (urgency, a fee, a code) to alert.
OFF_BRAND_SCORE = 0.55
_NUMERIC_LABEL = re.compile(r"(?:^|[./])\d+\.")


def _indicator_hits(
    indicators: tuple[Indicator, ...], text: str = "", sender: str | None = None
) -> list[Hit]:
    hits: list[Hit] = []
    claimed: str | bool | None = False  # False: not looked for yet (most messages never need it)
    for ind in indicators:
        if ind.kind not in ("url", "domain") or ind.attrs.get("official"):
            continue
        if any(h.start < ind.end and ind.start < h.end for h in hits):
            continue  # a URL and its domain are one piece of evidence
        for attr, score, name in _LINK_SIGNALS:
            if ind.attrs.get(attr):
                hits.append(
                    Hit("phishing_link", ind.start, ind.end, score, f"indicator.{name}.v1", "", ())
                )
                break
        else:
            if ind.value.isupper() or _NUMERIC_LABEL.search(ind.normalized):
                continue  # a reference code ("Ref MBVCB.98123.BO"), not a link anyone follows
            if claimed is False:
                claimed = (brand_for_sender(sender) if sender else None) or brand_in_opening(text)
            if claimed:
                hits.append(
                    Hit(
                        "phishing_link",
                        ind.start,
                        ind.end,
                        OFF_BRAND_SCORE,
                        "indicator.off_brand.v1",
                        "",
                        (),
                    )
                )
    return hits
