"""Words for the verdict, in the conversation's language: explanations, summary, advice."""

from __future__ import annotations

from functools import lru_cache

from notalone.detect.lexicon import Knowledge
from notalone.detect.types import Evidence

_MODIFIER_KEYS = (
    "warning",
    "news",
    "reported_speech",
    "negation",
    "benign_context",
    "young_person",
    "under_duress",
    "disclosed",
    "answered_minor",
    "quoted",
    "trusted_source",
    "official_source",
    "doubt",
)


class Explainer:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.advice = lru_cache(maxsize=256)(self._advice)

    def pack_text(self, lang: str, *path: str) -> str | None:
        pack = self.knowledge.packs.get(lang)
        node: object = pack.advice if pack else None
        for key in path:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node if isinstance(node, str) else None

    def tactic_text(self, lang: str, tactic: str, field: str) -> str:
        for candidate in (lang, "en", self.knowledge.default_language):
            pack = self.knowledge.packs.get(candidate)
            if pack and tactic in pack.tactic_texts and field in pack.tactic_texts[tactic]:
                return pack.tactic_texts[tactic][field]
        return tactic.replace("_", " ")

    def explain(self, lang: str, ev: Evidence) -> str:
        name = self.tactic_text(lang, ev.tactic, "name")
        why = self.tactic_text(lang, ev.tactic, "why")
        text = f'{name}: "{ev.text}" — {why}'
        notes = [
            self.pack_text(lang, "modifiers", m) or self.pack_text("en", "modifiers", m) or m
            for m in ev.modifiers
            if m in _MODIFIER_KEYS
        ]
        if notes:
            text += " (" + "; ".join(notes) + ")"
        return text

    def summary(
        self, lang: str, level: str, category: str | None, speaker: str | None, rule: str | None
    ) -> str:
        level_text = self.pack_text(lang, "levels", level) or level
        if category is None:
            return level_text
        cat_text = self.pack_text(lang, "categories", category) or category.replace("_", " ")
        return f"{level_text} — {cat_text}"

    def _advice(self, lang: str, level: str, category: str | None, country: str) -> tuple[str, ...]:
        if level in ("none", "low"):
            return ()
        pack = self.knowledge.packs.get(lang) or self.knowledge.packs.get("en")
        if pack is None:
            return ()
        items: list[str] = []
        per_category = pack.advice.get("category_advice", {})
        if category and isinstance(per_category, dict):
            items.extend(str(x) for x in per_category.get(category, []))
        items.extend(str(x) for x in pack.advice.get("general", []))
        numbers = (
            self.knowledge.hotlines.get(country)
            or self.knowledge.hotlines[self.knowledge.default_country]
        )
        out: list[str] = []
        for item in items:
            try:
                filled = item.format(**numbers)
            except (KeyError, IndexError, ValueError):
                filled = item
            if filled not in out:
                out.append(filled)
        return tuple(out)
