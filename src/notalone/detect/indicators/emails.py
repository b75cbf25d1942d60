"""E-mail addresses."""

from __future__ import annotations

import re

from .types import IndicatorError

EMAIL = re.compile(
    r"(?<![\w.+\-%])[A-Za-z0-9._%+\-]++@(?:[A-Za-z0-9\-]++\.)+[A-Za-z]{2,24}(?![\w\-])"
)


def normalize_email(value: str) -> str:
    text = value.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not EMAIL.fullmatch(text):
        raise IndicatorError(f"not an e-mail address: {value!r}")
    local = text.rpartition("@")[0]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise IndicatorError(f"malformed local part in {value!r}")
    return text.lower()
