"""Loading and validating the knowledge files under ``notalone/data``.

Everything the detector knows about language is data; this module turns it into recognizers
and checks it at start-up, failing with the file and the problem named.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from notalone.detect.pattern_cache import PatternCache
from notalone.detect.phrases import (
    TOKEN_RE,
    PhraseCompiler,
    PhraseError,
    WordCosts,
    fold,
    leading_needles,
    regex_anchors,
    regex_needles,
    regex_requirements,
    regex_start_words,
    regex_token_needs,
    token_set_cost,
)
from notalone.detect.recognizers import Pattern, PatternIndex, PatternRecognizer

FRAME_KINDS = (
    "warning",
    "negation",
    "reported_speech",
    "news",
    "benign_context",
    "condition",
    "minor",  # someone in the conversation says a participant is under 18 ("im 13")
    "doubt",  # the speaker asks whether something is genuine ("is this real?")
    "adult",  # the speaker says they are an adult ("im 25", "25 f", "j'ai 30 ans")
    "fake_link",  # the speaker calls the links fakes ("các trang giả mạo như", "fake sites like")
    "age_gap",  # the speaker talks as an adult to a minor ("at ur age", "i could go to jail")
    "peer",  # the speaker says they are a minor themselves ("same im 14", "em cũng lớp 8")
    # the speaker is the one the reported orders are aimed at ("họ bảo t phải", "they told me
    # i have to"): what they tell is being done to them, not a story about someone else
    "disclosure",
    # a new clause whose subject is named, after an order: "don't tell ur family OR YOU will be
    # arrested" (a negation before it does not reach past it)
    "clause_break",
    # the speaker addresses the other one as their parent ("ok mom", "mẹ ơi", "merci papa")
    "parent_address",
    # the speaker speaks of the listener's parent as their own, bare, as a brother or sister
    # does ("mẹ dặn tối nay hai đứa tự nấu cơm", "bố bận họp, tao qua đón"): family
    "family_voice",
    # a message that is only an age ("15", "14 tuổi"): a minor's answer only right after the
    # other speaker asked for the age (conversation), a number like any other elsewhere
    "age_answer",
    # the young person retells a call or message as past and as a claim ("hôm qua t bị 1 thằng
    # gọi tự xưng công an"): what they tell of next is a story, not orders they follow now
    "retelling",
    # ... or says they are following the orders now ("giờ t phải hợp tác", "i have to turn it
    # off"): a retelling cue before does not make it a story
    "complying",
    # the young person says they saw through the call: named it a scam, hung up, blocked it
    # ("sáng nay t dính cuộc gọi lừa đảo", "i hung up"): even orders told all in one message
    # are that story's
    "saw_through",
    # the speaker introduces themselves as the officer ("Tôi là cán bộ công an", "this is
    # officer Reyes"): from the young person, the caller's words pasted, not their own account
    "caller_voice",
    # a young person's everyday life told as their own, too common to say "minor" alone ("ms
    # patterson gave us a test", "past my bedtime", "my dad had to drive me"): a few different
    # ones in one conversation do (conversation.YOUTH_CUES)
    "youth",
)
# Frames looked for in every message; the others only shape hits, so they run only where a
# tactic was found. Warnings: "is this a scam?" requalifies the message before it. Minor
# cues: the child's own "im 13" has no tactic in it, yet it decides what the chat is.
MESSAGE_FRAMES = frozenset(
    {
        "frame:warning",
        "frame:minor",
        "frame:doubt",
        "frame:adult",
        "frame:fake_link",
        "frame:age_gap",
        "frame:peer",
        "frame:parent_address",
        "frame:family_voice",
        "frame:age_answer",
        "frame:retelling",
        "frame:complying",
        "frame:saw_through",
        "frame:caller_voice",
        "frame:youth",
    }
)
TACTIC_TEXT_FIELDS = ("name", "description", "why", "advice")


class KnowledgeError(ValueError):
    """A knowledge file is missing, malformed or inconsistent."""


@dataclass(frozen=True, slots=True)
class TacticSpec:
    id: str
    stage: str
    severity: float
    harmful_step: bool
    linguistic: bool = True  # False: found by code (the registry), not by a lexicon


@dataclass(frozen=True, slots=True)
class Rule:
    groups: tuple[frozenset[str], ...]
    risk: float
    min_score: float | None = None  # None: the catalogue's min_score
    # Only where the conversation shows a minor (a declared child, or a cue such as "im 13"):
    # image requests and sexual talk between adults are not grooming.
    needs_minor: bool = False
    # Not when the one it targets says they are an adult ("25 f") and nobody says a minor is
    # there: adults ask each other's age too.
    unless_adult: bool = False
    # Only at a speaker who has talked as an adult to a minor ("at ur age", "when u turn 18",
    # "i could go to jail for this"): teenagers flirting with each other never say that.
    needs_age_gap: bool = False
    # Each group must also be met in this many different messages of the speaker: a sale whose
    # "deposit first" comes back as "one more fee" (each alone what an honest seller may say).
    repeat: int = 1
    # Only at a speaker whom the learned stage reads at least this harmful (its calibrated
    # per-speaker probability): one step that family and friends also take ("so ur home alone
    # tonight?") counts from a speaker whose words read like a predator's.
    needs_learned: float = 0.0
    # Where a minor shows, or where someone other than the speaker told of a young person's
    # day once ("my mom took me shopping after school"; frames: youth) without saying they are
    # an adult. One such cue is too weak to say "minor" for every rule (YOUTH_CUES), but it is
    # enough to read a confident picture request or sexual remark as aimed at a young person:
    # in a chat segment the age was often given before the window.
    needs_youth: bool = False


@dataclass(frozen=True, slots=True)
class ControlledAccount:
    """The script's families of tactics as the young person may show them (categories.yaml:
    controlled_account): two families, one of them ``telling``, say someone controls them."""

    families: Mapping[str, frozenset[str]] = field(default_factory=dict)
    telling: frozenset[str] = frozenset()
    told_only: frozenset[str] = frozenset()  # tactics that count only told of or obeyed now
    complying: str | None = None  # the family a "giờ t phải hợp tác" counts in
    messages: int = 2  # shown across this many of their messages, at least

    def family_of(self, tactic: str) -> str | None:
        for name, tactics in self.families.items():
            if tactic in tactics:
                return name
        return None

    def shows_control(self, shown: Iterable[str], messages: int) -> bool:
        families = set(shown)
        return (
            messages >= self.messages
            and len(families) >= 2
            and not self.telling.isdisjoint(families)
        )


@dataclass(frozen=True, slots=True)
class CategorySpec:
    id: str
    weights: Mapping[str, float]
    rules: tuple[Rule, ...]
    # Its rules do not fire at a speaker who says they are a minor too (and never talked as an
    # adult to one): two 14-year-olds flirting is not grooming.
    not_between_peers: bool = False
    # Its rules do not fire at a speaker the other one calls mom or dad, or whose name is
    # "Mẹ" / "Dad": a mother's "are u alone? send me a pic of where u are" is not grooming.
    not_from_parent: bool = False
    # When no rule fired, the category is named from the weights only if the speaker showed one
    # of these (empty: any weighted tactic may name it). A groomer's "dont tell ur dad" and
    # "turn ur phone off" weigh towards online kidnapping too, but without a fake officer, an
    # accusation, a fake warrant, a ransom, a hotel or a video call it is not one.
    named_by: frozenset[str] = frozenset()
    # With no minor in sight, the learned stage corroborates this category only at a speaker
    # who showed one of these (empty: any): the model read predators' chats and reads a
    # couple's sexting the same way, so sexual talk and flattery alone are not enough.
    corroborated_without_minor_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    expect: bool


@dataclass
class LanguagePack:
    language: str
    recognizers: list[PatternRecognizer] = field(default_factory=list)
    frames: list[PatternRecognizer] = field(default_factory=list)
    examples: dict[str, list[Example]] = field(default_factory=dict)  # recognizer id -> examples
    tactic_texts: dict[str, dict[str, str]] = field(default_factory=dict)
    advice: dict[str, Any] = field(default_factory=dict)
    function_words: frozenset[str] = frozenset()


@dataclass
class Knowledge:
    root: Path
    tactics: dict[str, TacticSpec]
    categories: dict[str, CategorySpec]
    min_rule_score: float
    # Tactic groups that, all in one message of the protected young person, say they are
    # under someone's control ("send 50tr now, don't call anyone"): that message is evidence
    # at full weight, not the young person's own answer or quote (see ConversationState).
    duress: tuple[frozenset[str], ...]
    # what, from the young person's own account to their family, is the captor's voice
    captor_voice: frozenset[str]
    # the sum per currency from which a ransom from the young person's account is the captor's,
    # whoever it is sent to
    captor_sum: Mapping[str, float]
    controlled_account: ControlledAccount
    level_thresholds: dict[str, float]
    packs: dict[str, LanguagePack]
    hotlines: dict[str, dict[str, str]]
    default_country: str
    default_language: str
    vocabulary: frozenset[str]
    index: PatternIndex  # tactics and warning frames
    context_index: PatternIndex  # negation, reported speech, news, everyday context, condition
    parent_names: frozenset[str] = frozenset()  # folded display names of a parent (speakers.yaml)
    # per language, the words that open a phrase in the first person and those that address
    # the listener (languages.yaml: persons), folded
    persons: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.packs))

    @functools.cached_property
    def has_repeat_rules(self) -> bool:
        """Whether any rule asks for a tactic in several messages (then scoring needs them)."""
        return any(r.repeat > 1 for c in self.categories.values() for r in c.rules)

    @functools.cached_property
    def learned_thresholds(self) -> tuple[float, ...]:
        """The learned readings rules ask for (``needs_learned``): crossing one re-scores."""
        return tuple(
            sorted({r.needs_learned for c in self.categories.values() for r in c.rules} - {0.0})
        )

    @functools.cached_property
    def family_only_tactics(self) -> frozenset[str]:
        """Tactics that point only at categories no parent commits (not_from_parent): from the
        young person's family, "tiền chuộc là 1 ly trà sữa" or "đừng nói với mẹ nhé" (a
        surprise) adds no risk (see score_speaker)."""
        pointing: dict[str, bool] = {}
        for cat in self.categories.values():
            for tactic, weight in cat.weights.items():
                if weight > 0:
                    pointing[tactic] = pointing.get(tactic, True) and cat.not_from_parent
        return frozenset(t for t, only in pointing.items() if only)

    def recognizers(self) -> list[PatternRecognizer]:
        return [r for p in self.packs.values() for r in (*p.recognizers, *p.frames)]


def data_root() -> Path:
    return Path(str(resources.files("notalone") / "data"))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            # libyaml's loader when present: the pure-Python one takes seconds on the lexicons.
            doc = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return doc


def _require(doc: Mapping[str, Any], key: str, kind: type, path: Path) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        raise KnowledgeError(f"{path}: '{key}' must be a {kind.__name__}")
    return value


def _persons(
    langs: Mapping[str, Any], path: Path
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    persons = langs.get("persons", {})
    if not isinstance(persons, dict):
        raise KnowledgeError(f"{path}: persons must map a language to first/second word lists")
    for lang, spec in persons.items():
        if not isinstance(spec, dict) or not all(
            isinstance(spec.get(k), list) for k in ("first", "second")
        ):
            raise KnowledgeError(f"{path}: persons: {lang}: needs 'first' and 'second' lists")
        out[str(lang)] = (
            frozenset(fold(str(w)) for w in spec["first"]),
            frozenset(fold(str(w)) for w in spec["second"]),
        )
    return out


@cache
def load_knowledge(root: str | None = None) -> Knowledge:
    """Load and validate every knowledge file (cached: call it freely)."""
    base = Path(root) if root else data_root()
    tactics = _load_tactics(base / "tactics.yaml")
    cats = _load_categories(base / "categories.yaml", tactics)
    hot = _read(base / "hotlines.yaml")
    langs = _read(base / "languages.yaml")
    lex_root = base / "lexicons"
    packs: dict[str, LanguagePack] = {}
    vocabulary: set[str] = set()
    # Word frequencies of ordinary text, roughly, for choosing anchors (a performance matter:
    # a pattern is looked up by its rarest word). Function words and everyday words of every
    # language count: a Vietnamese "thẻ" folds to the English "the".
    common = WordCosts(
        frozenset(fold(str(w)) for ws in langs.get("languages", {}).values() for w in ws),
        frozenset(fold(str(w)) for ws in langs.get("frequent", {}).values() for w in ws),
    )
    compiled = PatternCache(base)
    for lang_dir in sorted(p for p in lex_root.iterdir() if p.is_dir()):
        pack = _load_pack(base, lang_dir, tactics, vocabulary, common, compiled)
        words = langs.get("languages", {}).get(pack.language, [])
        pack.function_words = frozenset(fold(str(w)) for w in words)
        packs[pack.language] = pack
    if not packs:
        raise KnowledgeError(f"{lex_root}: no language directories")
    compiled.save()
    # Warnings are looked for in every message ("is this a scam?" requalifies the message
    # before it); the other frames only shape hits, so they run only where a tactic was found.
    index = PatternIndex(
        r
        for p in packs.values()
        for r in (*p.recognizers, *p.frames)
        if not r.kind.startswith("frame:") or r.kind in MESSAGE_FRAMES
    )
    context_index = PatternIndex(
        r
        for p in packs.values()
        for r in p.frames
        if r.kind.startswith("frame:") and r.kind not in MESSAGE_FRAMES
    )
    return Knowledge(
        root=base,
        tactics=tactics,
        categories=cats.categories,
        min_rule_score=cats.min_score,
        duress=cats.duress,
        captor_voice=cats.captor_voice,
        captor_sum=cats.captor_sum,
        controlled_account=cats.controlled_account,
        level_thresholds=cats.levels,
        packs=packs,
        hotlines={
            str(k): {str(a): str(b) for a, b in v.items()} for k, v in hot["countries"].items()
        },
        default_country=str(hot.get("default", "VN")),
        default_language=str(langs.get("default", "vi")),
        vocabulary=frozenset(w for w in vocabulary if len(w) >= 2),
        index=index,
        context_index=context_index,
        parent_names=_load_parent_names(base / "speakers.yaml"),
        persons=_persons(langs, base / "languages.yaml"),
    )


def display_name_key(name: str) -> str:
    """A display name as speakers.yaml lists it: folded words, emoji and punctuation aside
    ("Mom ❤️" -> "mom", "Mẹ yêu" -> "me yeu")."""
    return " ".join(TOKEN_RE.findall(fold(name)))


def _load_parent_names(path: Path) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    names = _require(_read(path), "parent_names", dict, path)
    keys = (display_name_key(str(n)) for ns in names.values() for n in ns)
    return frozenset(k for k in keys if k)


def _load_tactics(path: Path) -> dict[str, TacticSpec]:
    doc = _require(_read(path), "tactics", dict, path)
    out: dict[str, TacticSpec] = {}
    for tid, spec in doc.items():
        if not isinstance(spec, dict) or "severity" not in spec or "stage" not in spec:
            raise KnowledgeError(f"{path}: tactic {tid!r} needs 'stage' and 'severity'")
        severity = float(spec["severity"])
        if not 0.0 <= severity <= 1.0:
            raise KnowledgeError(f"{path}: tactic {tid!r} severity must be in [0, 1]")
        out[str(tid)] = TacticSpec(
            str(tid),
            str(spec["stage"]),
            severity,
            bool(spec.get("harmful_step")),
            bool(spec.get("linguistic", True)),
        )
    return out


def _probability(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise KnowledgeError(f"{where} must be a number from 0 to 1, not {value!r}")
    return float(value)


def _tactic_names(
    values: Iterable[object], tactics: Mapping[str, TacticSpec], where: str
) -> frozenset[str]:
    names = frozenset(str(t) for t in values)
    for t in sorted(names):
        if t not in tactics:
            raise KnowledgeError(f"{where} names unknown tactic {t!r}")
    return names


class _CategoriesFile(NamedTuple):
    """What categories.yaml holds, validated."""

    categories: dict[str, CategorySpec]
    min_score: float
    levels: dict[str, float]
    duress: tuple[frozenset[str], ...]
    captor_voice: frozenset[str]
    captor_sum: dict[str, float]
    controlled_account: ControlledAccount


def _load_categories(path: Path, tactics: Mapping[str, TacticSpec]) -> _CategoriesFile:
    doc = _read(path)
    duress = tuple(_tactic_names(g, tactics, f"{path}: duress") for g in doc.get("duress", []))
    captor = _tactic_names(doc.get("captor_voice", []), tactics, f"{path}: captor_voice")
    cats = _require(doc, "categories", dict, path)
    out: dict[str, CategorySpec] = {}
    for cid, spec in cats.items():
        weights = {str(k): float(v) for k, v in spec.get("weights", {}).items()}
        rules = []
        for rule in spec.get("rules", []):
            groups = tuple(frozenset(str(t) for t in g) for g in rule["groups"])
            floor = rule.get("min_score")
            rules.append(
                Rule(
                    groups,
                    float(rule["risk"]),
                    None if floor is None else float(floor),
                    bool(rule.get("needs_minor", False)),
                    bool(rule.get("unless_adult", False)),
                    bool(rule.get("needs_age_gap", False)),
                    int(rule.get("repeat", 1)),
                    _probability(rule.get("needs_learned", 0.0), f"{path}: {cid}: needs_learned"),
                    bool(rule.get("needs_youth", False)),
                )
            )
        named_by = frozenset(str(t) for t in spec.get("named_by", []))
        corroborators = frozenset(str(t) for t in spec.get("corroborated_without_minor_by", []))
        _tactic_names(
            [*weights, *named_by, *corroborators, *(t for r in rules for g in r.groups for t in g)],
            tactics,
            f"{path}: category {cid!r}",
        )
        out[str(cid)] = CategorySpec(
            str(cid),
            weights,
            tuple(rules),
            bool(spec.get("not_between_peers", False)),
            bool(spec.get("not_from_parent", False)),
            named_by,
            corroborators,
        )
    levels = {str(k): float(v) for k, v in _require(doc, "levels", dict, path).items()}
    return _CategoriesFile(
        out,
        float(doc.get("min_score", 0.45)),
        levels,
        duress,
        captor,
        _captor_sum(doc.get("captor_sum"), path),
        _controlled_account(doc.get("controlled_account"), tactics, path),
    )


def _captor_sum(spec: Any, path: Path) -> dict[str, float]:
    where = f"{path}: captor_sum"
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise KnowledgeError(f"{where}: expected a mapping of currency to amount")
    out: dict[str, float] = {}
    for currency, amount in spec.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise KnowledgeError(f"{where}: {currency}: the amount must be a positive number")
        out[str(currency).upper()] = float(amount)
    return out


def _controlled_account(
    spec: Any, tactics: Mapping[str, TacticSpec], path: Path
) -> ControlledAccount:
    if spec is None:
        return ControlledAccount()
    where = f"{path}: controlled_account"
    if not isinstance(spec, dict) or not isinstance(spec.get("families"), dict):
        raise KnowledgeError(f"{where}: expected a mapping with 'families'")
    families = {
        str(name): _tactic_names(members, tactics, f"{where}: {name}")
        for name, members in spec["families"].items()
    }
    seen: set[str] = set()
    for name, members in families.items():
        if not seen.isdisjoint(members):
            raise KnowledgeError(f"{where}: {name}: a tactic belongs to one family only")
        seen |= members
    telling = frozenset(str(t) for t in spec.get("telling", []))
    told_only = _tactic_names(spec.get("told_only", []), tactics, f"{where}: told_only")
    complying = spec.get("complying")
    for name in (*telling, *([complying] if complying is not None else [])):
        if name not in families:
            known = ", ".join(sorted(families))
            raise KnowledgeError(f"{where}: unknown family {name!r} (families: {known})")
    messages = spec.get("messages", 2)
    if not isinstance(messages, int) or not 1 <= messages <= 2:
        raise KnowledgeError(f"{where}: messages must be 1 or 2")
    return ControlledAccount(
        families, telling, told_only, None if complying is None else str(complying), messages
    )


def _load_pack(
    base: Path,
    lang_dir: Path,
    tactics: Mapping[str, TacticSpec],
    vocabulary: set[str],
    common: WordCosts,
    compiled: PatternCache,
) -> LanguagePack:
    lang = lang_dir.name
    pack = LanguagePack(lang)
    variants = _optional(lang_dir / "_variants.yaml", "variants")
    classes = _optional(lang_dir / "_classes.yaml", "classes")
    compiler = PhraseCompiler(
        {str(k): [str(x) for x in v] for k, v in variants.items()},
        {str(k): [str(x) for x in v] for k, v in classes.items()},
        common,
    )
    for word, spellings in variants.items():
        vocabulary.update(fold(str(w)) for w in (word, *spellings) if " " not in str(w))
    frames = _optional(lang_dir / "_frames.yaml", "frames")
    for kind, phrases in frames.items():
        if kind not in FRAME_KINDS:
            raise KnowledgeError(f"{lang_dir / '_frames.yaml'}: unknown frame {kind!r}")
        entries = [{"phrase": p} if isinstance(p, str) else p for p in phrases]
        frames_path = lang_dir / "_frames.yaml"
        patterns = compiled.compiled(
            f"{lang}/_frames.yaml#{kind}",
            vocabulary,
            functools.partial(_compile_patterns, entries, compiler, 1.0, frames_path),
        )
        pack.frames.append(
            PatternRecognizer(f"{lang}.frame.{kind}", f"frame:{kind}", lang, patterns)
        )
    for path in sorted(lang_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        doc = _read(path)
        tactic = str(doc.get("tactic", path.stem))
        if tactic not in tactics:
            raise KnowledgeError(f"{path}: unknown tactic {tactic!r}")
        if doc.get("language", lang) != lang:
            raise KnowledgeError(f"{path}: language {doc.get('language')!r} is not {lang!r}")
        rid = f"{doc.get('id', f'{lang}.{tactic}')}.v{int(doc.get('version', 1))}"
        default = float(doc.get("score", 0.7))
        entries = _require(doc, "patterns", list, path)
        patterns = compiled.compiled(
            f"{lang}/{path.name}",
            vocabulary,
            functools.partial(_compile_patterns, entries, compiler, default, path),
        )
        pack.recognizers.append(PatternRecognizer(rid, tactic, lang, patterns))
        examples = doc.get("examples") or {}
        pack.examples[rid] = [
            *(
                Example(str(t if isinstance(t, str) else t["text"]), True)
                for t in examples.get("positive", [])
            ),
            *(
                Example(str(t if isinstance(t, str) else t["text"]), False)
                for t in examples.get("negative", [])
            ),
        ]
    texts_path = base / "tactics" / f"{lang}.yaml"
    if texts_path.exists():
        texts = _require(_read(texts_path), "tactics", dict, texts_path)
        pack.tactic_texts = {
            str(k): {str(a): str(b) for a, b in v.items()} for k, v in texts.items()
        }
    advice_path = base / "advice" / f"{lang}.yaml"
    if advice_path.exists():
        pack.advice = _read(advice_path)
    return pack


def _optional(path: Path, key: str) -> dict[str, Any]:
    if not path.exists():
        return {}
    value = _read(path).get(key) or {}
    if not isinstance(value, dict):
        raise KnowledgeError(f"{path}: '{key}' must be a mapping")
    return value


def _usable_anchor(tokens: frozenset[str], costs: WordCosts) -> bool:
    """An anchor holding a function word ("a", "or") would run the regex on most messages;
    its characters and literal needles gate it better."""
    return not any(t in costs.common for t in tokens)


NEAR_PARTS = (2, 5)  # how many phrases a "near" pattern joins
NEAR_WITHIN = (2, 40)  # the words its matches may span


def _near_pattern(
    entry: dict[str, Any],
    compiler: PhraseCompiler,
    score: float,
    index: int,
    path: Path,
    vocabulary: set[str],
) -> Pattern:
    """Phrases that must all occur, in any order, within ``within`` words of each other: the
    parts of a threat said in whatever order ("im sending the pics u sent me to ur papa" and
    "ur papa gets the pics tonight if u dont"). See docs/lexicon-format.md."""
    parts = entry["near"]
    within = entry.get("within")
    if not isinstance(parts, list) or not NEAR_PARTS[0] <= len(parts) <= NEAR_PARTS[1]:
        raise KnowledgeError(
            f"{path}: pattern #{index}: 'near' takes a list of {NEAR_PARTS[0]} to "
            f"{NEAR_PARTS[1]} phrases"
        )
    if not isinstance(within, int) or not NEAR_WITHIN[0] <= within <= NEAR_WITHIN[1]:
        raise KnowledgeError(
            f"{path}: pattern #{index}: 'near' needs 'within', a number of words from "
            f"{NEAR_WITHIN[0]} to {NEAR_WITHIN[1]}"
        )
    compiled = [compiler.compile(str(part)) for part in parts]
    for part in parts:
        vocabulary.update(re.findall(r"[a-z0-9]+", fold(str(part))))
    slots = [c.anchors for c in compiled if c.anchors is not None]
    if not slots:
        raise KnowledgeError(f"{path}: pattern #{index}: no part of 'near' has a whole word")
    costs = compiler.word_costs
    anchors = min(slots, key=lambda a: (token_set_cost(a, costs), sorted(a)))
    # every part must be there: each part's anchor set, and what each part needs itself
    needs = tuple(dict.fromkeys([*slots, *(n for c in compiled for n in c.needs)]))
    source = " ~ ".join(str(p) for p in parts) + f" (within {within})"
    return Pattern(
        "",
        anchors,
        score,
        source,
        index,
        needs=needs,
        parts=tuple(c.regex for c in compiled),
        within=within,
    )


def _compile_patterns(
    entries: list[Any], compiler: PhraseCompiler, default: float, path: Path, vocabulary: set[str]
) -> list[Pattern]:
    patterns: list[Pattern] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not ({"phrase", "regex", "near"} & entry.keys()):
            raise KnowledgeError(f"{path}: pattern #{i} needs 'phrase', 'regex' or 'near'")
        score = float(entry.get("score", default))
        if not 0.0 < score <= 1.0:
            raise KnowledgeError(f"{path}: pattern #{i} score must be in (0, 1]")
        try:
            if "near" in entry:
                patterns.append(_near_pattern(entry, compiler, score, i, path, vocabulary))
                continue
            if "phrase" in entry:
                source = str(entry["phrase"])
                compiled = compiler.compile(source)
                regex, anchors, first = compiled.regex, compiled.anchors, compiled.first
                needs, accents = compiled.needs, compiled.accents
                vocabulary.update(t for t in re.findall(r"[a-z0-9]+", fold(source)))
            else:
                source = str(entry["regex"])
                # A regex's anchors are its leading words, so they also say where a match starts.
                anchors = regex_anchors(source)
                if anchors is not None and any(a in compiler.word_costs for a in anchors):
                    # leading words such as "you" or "is" would run it on most messages: the
                    # characters and literals it needs gate it better
                    anchors = None
                first = anchors
                # Whole words it needs further on gate it too; with no usable leading word,
                # the rarest of them is its anchor (the index tries it only where that stands).
                needs, accents = regex_token_needs(source, compiler.word_costs), ()
                if anchors is None and needs and _usable_anchor(needs[0], compiler.word_costs):
                    anchors = needs[0]
                regex = source
            requires = regex_requirements(regex) if anchors is None else frozenset()
            if anchors is None:
                literals: tuple[str, ...] = regex_needles(
                    regex, compiler.word_costs
                ) or leading_needles(regex)
            else:
                # An anchored regex is tried only where its leading word stands (one match
                # call each): a needle search first would cost as much. (A regex whose
                # leading word is common is not anchored at all, see above.)
                literals = ()
            needles = tuple(literals) if literals else None
            # "^\\W*(u|you) ...": where no word anchors it, the text's first word gates it
            starts = regex_start_words(regex) if "regex" in entry and anchors is None else None
            if "regex" in entry:
                re.compile(regex)  # hand-written: validate now; generated phrases are safe
            patterns.append(
                Pattern(
                    regex,
                    anchors,
                    score,
                    source,
                    i,
                    requires,
                    first,
                    needles,
                    needs,
                    accents,
                    starts=starts,
                )
            )
        except (PhraseError, re.error) as exc:
            raise KnowledgeError(f"{path}: pattern #{i}: {exc}") from exc
    return patterns
