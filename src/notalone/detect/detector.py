"""The public face of the library: ``Detector.default().analyze(conversation)``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from notalone.detect.analyzer import MessageAnalyzer
from notalone.detect.conversation import ConversationState
from notalone.detect.explain import Explainer
from notalone.detect.indicators import IndicatorLookup
from notalone.detect.learned import MODEL_DIR, MODEL_NAME, LearnedStage
from notalone.detect.lexicon import Knowledge, load_knowledge
from notalone.detect.parse import parse_conversation
from notalone.detect.types import Assessment, Conversation, InputError, Message


class Detector:
    def __init__(
        self,
        knowledge: Knowledge,
        *,
        country: str | None = None,
        lookup: IndicatorLookup | None = None,
        learned: LearnedStage | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.learned = learned  # the learned stage; None: patterns only
        self.country = country or knowledge.default_country
        self.analyzer = MessageAnalyzer(knowledge, lookup)
        self.explainer = Explainer(knowledge)

    def with_lookup(self, lookup: IndicatorLookup | None) -> Detector:
        """The same knowledge, consulting a scam-indicator registry (the service's database)."""
        return Detector(self.knowledge, country=self.country, lookup=lookup, learned=self.learned)

    def for_country(self, country: str | None) -> Detector:
        """The same knowledge and model, with the hotlines of ``country`` (ISO 3166 alpha-2)
        in its advice; ``InputError`` names the countries known when it is not one of them."""
        if country is None:
            return self
        code = country.strip().upper()
        if code not in self.knowledge.hotlines:
            known = ", ".join(sorted(self.knowledge.hotlines))
            raise InputError(f"unknown country {country!r}: hotlines are known for {known}")
        if code == self.country:
            return self
        return Detector(
            self.knowledge, country=code, lookup=self.analyzer.lookup, learned=self.learned
        )

    @classmethod
    @cache
    def default(cls) -> Detector:
        """The detector over the bundled knowledge, loaded once per process."""
        return cls(load_knowledge(), learned=bundled_learned_stage())

    def new_conversation(
        self,
        conversation_id: str | None = None,
        *,
        child: str | None = None,
        lang: str | None = None,
    ) -> ConversationState:
        return ConversationState(
            self.knowledge,
            self.analyzer,
            self.explainer,
            conversation_id=conversation_id,
            child=child,
            lang=lang,
            country=self.country,
            learned=self.learned,
        )

    def analyze(self, conversation: Conversation | Mapping[str, Any]) -> Assessment:
        """Assess a whole conversation (a ``Conversation`` or its JSON object)."""
        conv = (
            conversation
            if isinstance(conversation, Conversation)
            else parse_conversation(conversation)
        )
        state = self.new_conversation(conv.id, child=conv.child, lang=conv.lang)
        for message in conv.messages:
            state.observe(message)
        return state.assessment

    def analyze_text(self, text: str, *, lang: str | None = None) -> Assessment:
        """Assess one message on its own."""
        if not isinstance(text, str):
            raise InputError("text must be a string")
        return self.analyze(Conversation(None, (Message("sender", text),), lang=lang))

    def scan(self, conversations: Iterable[Conversation]) -> Iterator[Assessment]:
        for conv in conversations:
            yield self.analyze(conv)


def bundled_learned_stage() -> LearnedStage | None:
    """The shipped learned stage, or None when no model file is bundled (patterns only).

    A model of another format version raises ``ModelFormatError``: rebuild it with
    ``notalone train``.
    """
    if not (MODEL_DIR / f"{MODEL_NAME}.npz").is_file():
        return None
    return LearnedStage.load()
