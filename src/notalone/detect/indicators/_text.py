"""Small text helpers shared by the extractors."""

from __future__ import annotations

import re
import unicodedata

_MARKS = "[\u0300-\u036f]*"


def strip_accents(text: str) -> str:
    """Vietnamese (and other Latin) letters without diacritics; đ becomes d."""
    decomposed = unicodedata.normalize("NFD", text)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.replace("đ", "d").replace("Đ", "D")


def vi_pattern(phrase: str) -> str:
    """A regex for ``phrase`` that also matches it without accents, in NFC or NFD form.

    Spaces in the phrase match any run of spaces, "-" or "_" (or nothing between ASCII
    letters of a short alias, handled by the caller by listing both forms).
    """
    parts: list[str] = []
    for ch in phrase:
        if ch == " ":
            parts.append(r"[\s\-_.]*")
            continue
        base = strip_accents(ch)
        if ch in "đĐ":
            parts.append("[đĐdD]")
        elif base != ch and base:
            parts.append(f"(?:{re.escape(ch)}|{re.escape(base)}{_MARKS})")
        elif ch.isalpha():
            parts.append(f"{re.escape(ch)}{_MARKS}")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


def word_alternation(phrases: list[str]) -> str:
    """A whole-word alternation of accent-tolerant phrases, longest first."""
    uniq = sorted(set(phrases), key=lambda p: (-len(p), p))
    body = "|".join(vi_pattern(p) for p in uniq)
    return rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])"
