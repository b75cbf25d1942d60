"""Indicators: phone numbers, bank accounts, links, handles, e-mails, wallets and amounts.

They are evidence in detection and the keys of the scam-indicator registry::

    extract_indicators(text)        -> list[Indicator], sorted by start, never raises
    normalize(kind, value)          -> registry key, raises IndicatorError (a ValueError)
    detect_kind(value)              -> the kind of a bare value
    assess_domain(host_or_url)      -> DomainAssessment (official / look-alike / shortener / apk)

Pure library code: no I/O besides reading the bundled data files once.
"""

from __future__ import annotations

import re

from .banks import bank_code, normalize_bank_account
from .crypto import WALLET, normalize_wallet
from .emails import EMAIL
from .emails import normalize_email as _normalize_email
from .extract import extract_indicators
from .handles import normalize_handle
from .links import normalize_domain, normalize_url, registered_domain
from .lookalike import assess_domain, brand_for_sender, brand_in_opening, brand_kind
from .money import normalize_money
from .phones import parse_phone
from .registry import IndicatorLookup, InMemoryRegistry, lookup_all
from .types import (
    KINDS,
    VERDICT_STATUSES,
    DomainAssessment,
    Indicator,
    IndicatorError,
    RegistryVerdict,
)

__all__ = [
    "KINDS",
    "VERDICT_STATUSES",
    "DomainAssessment",
    "InMemoryRegistry",
    "Indicator",
    "IndicatorError",
    "IndicatorLookup",
    "RegistryVerdict",
    "assess_domain",
    "bank_code",
    "brand_for_sender",
    "brand_in_opening",
    "brand_kind",
    "detect_kind",
    "extract_indicators",
    "load_indicator_data",
    "lookup_all",
    "normalize",
    "registered_domain",
]


def _phone(value: str, region: str) -> str:
    return parse_phone(value, region)[0]


def normalize(kind: str, value: str, *, region: str = "VN") -> str:
    """The registry key of ``value`` as an indicator of ``kind``.

    phone "+84912345678" (short codes: their digits); bank_account "VCB:0123456789";
    url "https://host/path"; domain "example.com"; handle "telegram:@name";
    email "x@y.com"; crypto_wallet "BTC:bc1q..."; money "VND:50000000".
    Idempotent: ``normalize(k, normalize(k, v)) == normalize(k, v)``.
    """
    if not isinstance(value, str):
        raise IndicatorError(f"value must be a string, not {type(value).__name__}")
    if not value.strip():
        raise IndicatorError(f"empty {kind} value")
    if kind == "phone":
        return _phone(value, region)
    if kind == "bank_account":
        return normalize_bank_account(value)
    if kind == "url":
        return normalize_url(value)
    if kind == "domain":
        return normalize_domain(value)
    if kind == "handle":
        return normalize_handle(value, region)
    if kind == "email":
        return _normalize_email(value)
    if kind == "crypto_wallet":
        return normalize_wallet(value)
    if kind == "money":
        return normalize_money(value)
    raise IndicatorError(f"unknown indicator kind {kind!r} (one of {', '.join(KINDS)})")


_HANDLE_LIKE = re.compile(r"[a-z]+:(?:@|id:)\S+|@[A-Za-z0-9_.]+(?:\s.*)?", re.IGNORECASE)
_BANK_KEY = re.compile(r"[A-Za-z0-9_]+:\d{6,19}")
_MONEY_KEY = re.compile(r"[A-Z]{3,4}:\d+(?:\.\d+)?")
_PHONE_LIKE = re.compile(r"(?:tel:)?[+(]?[\d\s.\-()/+]+", re.IGNORECASE)
_HOST_LIKE = re.compile(r"(?:[\w\-]+\.)+[^\W\d_]{2,}\.?")
_CURRENCIES = frozenset({"VND", "USD", "EUR", "GBP", "USDT"})
_CRYPTO_PREFIX = re.compile(r"(?:BTC|ETH|TRON|TRX|EVM|USDT):", re.IGNORECASE)


def detect_kind(value: str) -> str:
    """The indicator kind of a bare value (for registry lookups where no kind is given)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise IndicatorError("empty value")
    bare = _CRYPTO_PREFIX.sub("", text, count=1)
    if WALLET.fullmatch(bare):
        return "crypto_wallet"
    if _MONEY_KEY.fullmatch(text) and text.split(":", 1)[0] in _CURRENCIES:
        return "money"
    if _BANK_KEY.fullmatch(text.replace(" ", "")):
        prefix = text.split(":", 1)[0]
        if prefix.upper() == "UNKNOWN" or bank_code(prefix) or prefix.upper() == prefix:
            return "bank_account"
    if EMAIL.fullmatch(text.removeprefix("mailto:")):
        return "email"
    if _HANDLE_LIKE.fullmatch(text):
        return "handle"
    if "://" in text or re.match(r"[\w\-.]+\.[A-Za-z]{2,}(?::\d+)?/", text):
        return "url"
    if _PHONE_LIKE.fullmatch(text) and sum(c.isdigit() for c in text) >= 3:
        try:
            parse_phone(text)
            return "phone"
        except IndicatorError:
            digits = sum(c.isdigit() for c in text)
            return "bank_account" if 6 <= digits <= 19 and "+" not in text else "phone"
    if _HOST_LIKE.fullmatch(text):  # "0011384.com" is a domain, not an account number
        try:
            normalize_domain(text)
            return "domain"
        except IndicatorError:
            pass
    try:
        normalize_money(text)
        return "money"
    except IndicatorError:
        pass
    try:
        normalize_bank_account(text)
        return "bank_account"
    except IndicatorError:
        pass
    if "." in text and " " not in text:
        try:
            normalize_domain(text)
            return "domain"
        except IndicatorError:
            pass
    raise IndicatorError(f"cannot tell which kind of indicator {value!r} is")


def load_indicator_data() -> None:
    """Load and validate every data file the normalisers use (the offline public-suffix list,
    banks, brands, shorteners, Vietnamese numbering) now rather than on first use: a service
    calls this at start-up so that its first request does not pay ~250 ms for it."""
    from . import banks, links, lookalike, phones

    links.psl()
    banks.banks()
    banks.bank_name_regex()
    phones.parse_phone("0912345678")
    lookalike.brands()
    lookalike.shorteners()
    lookalike.assess_domain("example.com")
    normalize_bank_account("vcb 0123456789")
