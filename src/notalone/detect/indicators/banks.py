"""Bank and e-wallet names, and bank-account numbers ("VCB:0123456789")."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ._data import load
from ._text import strip_accents, word_alternation
from .types import IndicatorError

UNKNOWN_BANK = "UNKNOWN"
_MIN_DIGITS = 6
_MAX_DIGITS = 19


@dataclass(frozen=True, slots=True)
class Bank:
    code: str
    bin: str
    short_name: str
    name: str
    aliases: tuple[str, ...]
    ewallet: bool


def _fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", strip_accents(text).lower())


@functools.cache
def banks() -> dict[str, Bank]:
    """All known banks and e-wallets by code."""
    data = load("banks")
    out: dict[str, Bank] = {}
    for section, ewallet in (("banks", False), ("ewallets", True)):
        for row in data[section]:
            bank = Bank(
                code=str(row["code"]),
                bin=str(row.get("bin") or ""),
                short_name=str(row["short_name"]),
                name=str(row["name"]),
                aliases=tuple(str(a) for a in row["aliases"]),
                ewallet=ewallet,
            )
            out[bank.code] = bank
    return out


@functools.cache
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for bank in banks().values():
        for alias in (*bank.aliases, bank.code, bank.short_name):
            key = _fold(alias)
            if len(key) >= 2:
                index.setdefault(key, bank.code)
        if bank.bin:
            index.setdefault(bank.bin, bank.code)
    return index


@functools.cache
def bank_name_regex() -> re.Pattern[str]:
    phrases: list[str] = []
    for bank in banks().values():
        for alias in (*bank.aliases, bank.short_name):
            if len(_fold(alias)) >= 2:
                phrases.append(alias.lower())
    return re.compile(word_alternation(phrases), re.IGNORECASE)


def bank_code(name: str) -> str | None:
    """The bank code for a name people type ("vietcom", "MB bank", "momo"), or None."""
    return _alias_index().get(_fold(name))


def is_ewallet(code: str) -> bool:
    bank = banks().get(code)
    return bank is not None and bank.ewallet


_KEY = re.compile(r"([A-Za-z0-9_]+):(\d{6,19})")
_DIGITS = re.compile(r"\d[\d .\-]*\d")


def normalize_bank_account(value: str) -> str:
    """ "VCB:0123456789", "Vietcombank 0123 456 789", "0123456789" -> "UNKNOWN:0123456789"."""
    text = value.strip()
    key = _KEY.fullmatch(text.replace(" ", ""))
    if key:
        prefix = key.group(1).upper()
        code = prefix if prefix == UNKNOWN_BANK or prefix in banks() else bank_code(prefix)
        if code is None:
            raise IndicatorError(f"unknown bank code {key.group(1)!r}")
        return f"{code}:{key.group(2)}"
    runs = [m for m in _DIGITS.finditer(text) if _MIN_DIGITS <= _count(m.group()) <= _MAX_DIGITS]
    if len(runs) != 1:
        raise IndicatorError(
            f"expected one account number of {_MIN_DIGITS}-{_MAX_DIGITS} digits in {value!r}"
        )
    digits = re.sub(r"\D", "", runs[0].group())
    rest = text[: runs[0].start()] + " " + text[runs[0].end() :]
    code = None
    m = bank_name_regex().search(rest)
    if m:
        code = bank_code(m.group())
    return f"{code or UNKNOWN_BANK}:{digits}"


def _count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def account_digits(text: str) -> str | None:
    """The digits of an account-number candidate, if it has 6-19 of them."""
    digits = re.sub(r"\D", "", text)
    if _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        return digits
    return None
