"""Amounts of money: "50tr", "1 tỷ", "500k", "2.000.000đ", "$200", "300 euros"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ._text import vi_pattern
from .types import IndicatorError

_NUM = r"\d{1,3}(?:[.,]\d{3})++(?:[.,]\d{1,2})?|\d++(?:[.,]\d+)?"

_MULT_WORDS: dict[str, tuple[str, ...]] = {
    "1000": ("k", "nghìn", "ngàn", "ngan", "nghin"),
    "1000000": ("tr", "triệu", "trieu", "củ", "m"),
    "1000000000": ("tỷ", "tỉ", "ty", "ti", "b"),
}
_CUR_WORDS: dict[str, tuple[str, ...]] = {
    "VND": ("đồng", "vnđ", "vnd", "đ", "₫", "dong"),
    "USD": ("usd", "us$", "$", "đô la", "đô", "dollars", "dollar", "do la"),
    "EUR": ("euros", "euro", "eur", "€"),
    "GBP": ("gbp", "£", "pounds"),
    "USDT": ("usdt",),
}
_PREFIX_CUR: dict[str, str] = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "usd": "USD"}


def _alt(words: list[str]) -> str:
    parts = []
    for w in sorted(set(words), key=lambda x: (-len(x), x)):
        parts.append(re.escape(w) if not w.isalpha() else vi_pattern(w))
    return "|".join(parts)


_MULT_ALT = _alt([w for ws in _MULT_WORDS.values() for w in ws])
_CUR_ALT = _alt([w for ws in _CUR_WORDS.values() for w in ws])
_END = r"(?![^\W\d_])"

MONEY = re.compile(
    rf"(?:(?P<pre>US\$|\$|€|£|USD ?)(?P<pnum>{_NUM})(?: ?(?P<pmult>k|tr|m|b){_END})?"
    rf"|(?<![\w.,])(?P<num>{_NUM})[ \u00a0]?(?:"
    rf"(?P<mult>{_MULT_ALT})(?P<tail>\d{{1,3}}(?!\d))?(?:{_END}[ \u00a0]?(?P<cur>{_CUR_ALT}))?"
    rf"|(?P<cur2>{_CUR_ALT})){_END})",
    re.IGNORECASE,
)
_KEY = re.compile(r"([A-Z]{3,4}):(\d+(?:\.\d+)?)")
# Where an amount can start: scanning for these first is much cheaper than running MONEY
# at every position of the text.
_START = re.compile(r"(?<![\w.,])\d|[$€£]|(?<![^\W\d_])[Uu][Ss]")


def _mult_of(word: str) -> Decimal:
    w = word.lower()
    for value, words in _MULT_WORDS.items():
        if any(w == x or _fold(w) == _fold(x) for x in words):
            return Decimal(value)
    return Decimal(1)


def _fold(word: str) -> str:
    from ._text import strip_accents

    return strip_accents(word).lower().replace(" ", "")


def _currency_of(word: str) -> str:
    w = _fold(word)
    for code, words in _CUR_WORDS.items():
        if any(w == _fold(x) for x in words):
            return code
    return "VND"


def parse_number(text: str) -> Decimal:
    """ "2.000.000" -> 2000000, "1,5" -> 1.5, "1,234.56" -> 1234.56, "1.500" -> 1500."""
    seps = [c for c in text if c in ".,"]
    if not seps:
        return Decimal(text)
    last = seps[-1]
    tail = text[text.rfind(last) + 1 :]
    if len(set(seps)) == 2:
        head = text[: text.rfind(last)].replace(".", "").replace(",", "")
        return Decimal(f"{head}.{tail}")
    if len(seps) == 1 and len(tail) != 3:
        return Decimal(text.replace(last, "."))
    groups = text.split(last)
    if any(len(g) != 3 for g in groups[1:]) or len(groups[0]) > 3:
        raise IndicatorError(f"ambiguous number grouping: {text!r}")
    return Decimal("".join(groups))


def format_amount(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def _from_match(m: re.Match[str]) -> tuple[str, Decimal] | None:
    if m.group("pre") is not None:
        currency = _PREFIX_CUR.get(m.group("pre").strip().lower(), "USD")
        amount = parse_number(m.group("pnum"))
        if m.group("pmult"):
            amount *= {"k": 1000, "tr": 1000000, "m": 1000000, "b": 1000000000}[
                m.group("pmult").lower()
            ]
        return currency, amount
    amount = parse_number(m.group("num"))
    mult_word = m.group("mult")
    if mult_word is not None:
        if mult_word.lower() in ("m", "b", "ti") and m.group("cur") is None:
            return None  # "5m" (metres, minutes), "2 ti" are too ambiguous without a currency
        mult = _mult_of(mult_word)
        tail = m.group("tail")
        if tail:
            amount += Decimal(tail) / (Decimal(10) ** len(tail))
        amount *= mult
        currency = _currency_of(m.group("cur")) if m.group("cur") else "VND"
        return currency, amount
    cur_word = m.group("cur2")
    currency = _currency_of(cur_word)
    if cur_word.lower() in ("d", "dong") and amount < 1000:
        return None
    return currency, amount


def find_money(text: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, currency, amount)`` for each amount of money in ``text``."""
    out: list[tuple[int, int, str, str]] = []
    pos = 0
    for start in _START.finditer(text):
        if start.start() < pos:
            continue
        m = MONEY.match(text, start.start())
        if m is None:
            continue
        pos = m.end()
        try:
            parsed = _from_match(m)
        except (IndicatorError, InvalidOperation, ValueError):
            continue
        if parsed is None:
            continue
        currency, amount = parsed
        out.append((m.start(), m.end(), currency, format_amount(amount)))
    return out


def normalize_money(value: str) -> str:
    """ "50tr" -> "VND:50000000"; "VND:50000000" stays as it is."""
    text = value.strip()
    key = _KEY.fullmatch(text.upper())
    if key:
        try:
            amount = Decimal(key.group(2))
        except InvalidOperation as exc:  # pragma: no cover - the regex only lets digits in
            raise IndicatorError(f"bad amount in {value!r}") from exc
        return f"{key.group(1)}:{format_amount(amount)}"
    found = find_money(text)
    if len(found) != 1 or found[0][0] != 0 or found[0][1] != len(text):
        raise IndicatorError(f"not an amount of money with a unit or currency: {value!r}")
    _, _, currency, amount_text = found[0]
    return f"{currency}:{amount_text}"
