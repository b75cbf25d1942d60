"""Translation catalogues (YAML, one file per language) and tactic names from the knowledge data."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


LANGUAGES: tuple[str, ...] = ("vi", "en", "fr")
FALLBACK = "en"


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    elif node is not None:
        out[prefix] = str(node)


def _tactic_names(lang: str) -> dict[str, str]:
    """Tactic display names from ``notalone/data/tactics/<lang>.yaml`` when that file exists."""
    try:
        text = (
            resources.files("notalone")
            .joinpath("data", "tactics", f"{lang}.yaml")
            .read_text(encoding="utf-8")
        )
    except (FileNotFoundError, OSError):
        return {}
    data = _yaml(text) or {}
    if isinstance(data, Mapping) and isinstance(data.get("tactics"), Mapping):
        data = data["tactics"]
    names: dict[str, str] = {}
    if isinstance(data, Mapping):
        for tactic, entry in data.items():
            if isinstance(entry, Mapping) and entry.get("name"):
                names[str(tactic)] = str(entry["name"])
            elif isinstance(entry, str):
                names[str(tactic)] = entry
    return names


class Catalogues:
    """Looks texts up by key in one language, falling back to English, then to the key."""

    def __init__(
        self, texts: Mapping[str, Mapping[str, str]], tactics: Mapping[str, Mapping[str, str]]
    ):
        self._texts = {lang: dict(t) for lang, t in texts.items()}
        self._tactics = {lang: dict(t) for lang, t in tactics.items()}

    @classmethod
    @functools.cache
    def load(cls) -> Catalogues:
        """The packaged catalogues (read once per process: they are data, never changed)."""
        texts: dict[str, dict[str, str]] = {}
        tactics: dict[str, dict[str, str]] = {}
        package = resources.files("notalone.server.i18n")
        for lang in LANGUAGES:
            flat: dict[str, str] = {}
            _flatten("", _yaml(package.joinpath(f"{lang}.yaml").read_text("utf-8")), flat)
            texts[lang] = flat
            tactics[lang] = _tactic_names(lang)
        return cls(texts, tactics)

    def keys(self, lang: str) -> set[str]:
        return set(self._texts.get(lang, {}))

    def gettext(self, lang: str, key: str, **values: object) -> str:
        text = self._texts.get(lang, {}).get(key)
        if text is None:
            text = self._texts.get(FALLBACK, {}).get(key, key)
        return text.format(**values) if values else text

    def tactic_name(self, lang: str, tactic: str) -> str:
        for candidate in (lang, FALLBACK):
            name = self._tactics.get(candidate, {}).get(tactic)
            if name:
                return name
            name = self._texts.get(candidate, {}).get(f"tactic.{tactic}")
            if name:
                return name
        return tactic.replace("_", " ")

    def level_name(self, lang: str, level: str) -> str:
        return self.gettext(lang, f"level.{level}.name")

    def level_explain(self, lang: str, level: str) -> str:
        return self.gettext(lang, f"level.{level}.explain")


def pick_language(query: str | None, cookie: str | None, accept: str | None, default: str) -> str:
    """``?lang=`` wins, then the cookie, then Accept-Language, then the default (Vietnamese)."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    if accept:
        for part in accept.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return default
