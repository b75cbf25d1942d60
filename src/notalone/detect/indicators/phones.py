"""Phone numbers: Vietnamese and international formats to E.164, short codes to digits."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import phonenumbers

from ._data import load
from .types import IndicatorError

# A run of digit groups joined by single separators, optionally led by "+", "(+", "(".
# Possessive quantifiers keep it linear on hostile input.
NUMBER_TOKEN = re.compile(
    r"(?<![\w+])(?<!\d[.\-/])(?:\+ ?|\(\+?)?\d++(?:(?:[ \u00a0.\-/]|\) ?| ?\()\d++)*+"
)
_GROUP = re.compile(r"\d+")
_CLEAN = re.compile(r"[\s.\-()/\u00a0]")
_PHONE_TEXT = re.compile(r"\+?\d+")

_LINE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
}


@functools.cache
def _vn_facts() -> tuple[frozenset[str], dict[str, str], int, int]:
    data = load("vn_phones")
    emergency = frozenset(str(k) for k in data["emergency"])
    prefixes = {str(k): str(v) for k, v in data["service_prefixes"].items()}
    return (
        emergency,
        prefixes,
        int(data["short_code_min_digits"]),
        int(data["short_code_max_digits"]),
    )


def emergency_numbers() -> dict[str, str]:
    """Vietnamese emergency and public-service numbers with their description."""
    return {str(k): str(v) for k, v in load("vn_phones")["emergency"].items()}


def _service_number(digits: str) -> str | None:
    """1800/1900 numbers (8 or 10 digits), with or without the 84 country code."""
    _, prefixes, _, _ = _vn_facts()
    if digits.startswith("84") and len(digits) in (10, 12):
        digits = digits[2:]
    if len(digits) in (8, 10) and digits[:4] in prefixes:
        return digits
    return None


def is_short_code(digits: str, region: str = "VN") -> bool:
    _, _, low, high = _vn_facts()
    return digits.isdigit() and low <= len(digits) <= high and not digits.startswith("0")


def _normalize(cleaned: str, region: str) -> tuple[str, str, str | None]:
    """(normalised, line_type, service) or raises IndicatorError (both outcomes cached)."""
    result = _normalize_cached(cleaned, region)
    if isinstance(result, IndicatorError):
        raise IndicatorError(*result.args)
    return result


@functools.lru_cache(maxsize=16384)
def _normalize_cached(cleaned: str, region: str) -> tuple[str, str, str | None] | IndicatorError:
    try:
        return _normalize_uncached(cleaned, region)
    except IndicatorError as exc:
        return exc


# "0912345678" / "+84912345678": the common case, answered without phonenumbers once the
# 3-digit prefix has been checked against phonenumbers itself (same answer, ~50x faster).
_VN_MOBILE = re.compile(r"(?:\+84|0)([35789]\d{8})")


@functools.lru_cache(maxsize=1024)
def _mobile_prefix(prefix: str) -> bool:
    """True when phonenumbers calls every 9-digit national number under ``prefix`` a valid
    Vietnamese mobile number (checked on three samples: the metadata is per prefix)."""
    for rest in ("000000", "999999", "537284"):
        number = phonenumbers.parse("+84" + prefix + rest, None)
        if not phonenumbers.is_valid_number(number):
            return False
        if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
            return False
    return True


def _normalize_uncached(cleaned: str, region: str) -> tuple[str, str, str | None]:
    plus = cleaned.startswith("+")
    digits = cleaned[1:] if plus else cleaned
    if not digits.isdigit():
        raise IndicatorError(f"phone number has non-digit characters: {cleaned!r}")
    if region.upper() == "VN" or (plus and digits.startswith("84")):
        service = _service_number(digits)
        if service is not None:
            _, prefixes, _, _ = _vn_facts()
            return service, "short_code", prefixes[service[:4]]
    if not plus and is_short_code(digits, region):
        emergency, _, _, _ = _vn_facts()
        return digits, "short_code", ("emergency" if digits in emergency else None)
    if len(digits) < 7 or len(digits) > 17:
        raise IndicatorError(f"phone number has {len(digits)} digits: {cleaned!r}")
    fast = _VN_MOBILE.fullmatch(cleaned) if region.upper() == "VN" or plus else None
    if fast is not None and _mobile_prefix(fast.group(1)[:3]):
        return "+84" + fast.group(1), "mobile", None
    text = cleaned
    if not plus and digits.startswith("00"):
        text = "+" + digits[2:]
        plus = True
    try:
        number = phonenumbers.parse(text, None if plus else region.upper())
    except phonenumbers.NumberParseException as exc:
        raise IndicatorError(f"not a phone number ({exc}): {cleaned!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise IndicatorError(f"not a valid phone number for region {region}: {cleaned!r}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    line_type = _LINE_TYPES.get(phonenumbers.number_type(number), "unknown")
    return e164, line_type, None


def parse_phone(value: str, region: str = "VN") -> tuple[str, str, str | None]:
    """Normalise a phone number: ``(key, line_type, service)``.

    ``key`` is E.164 ("+84912345678") for ordinary numbers, the bare digits for short
    codes, emergency numbers and 1800/1900 service numbers (line_type "short_code").
    """
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.replace("(+", "+").replace("\uff0b", "+")
    cleaned = _CLEAN.sub("", text)
    if not _PHONE_TEXT.fullmatch(cleaned):
        raise IndicatorError(f"not a phone number: {value!r}")
    return _normalize(cleaned, region)


def normalize_phone(value: str, region: str = "VN") -> str:
    return parse_phone(value, region)[0]


def plausible(digits: str, plus: bool, region: str) -> bool:
    """A cheap shape check before asking phonenumbers (dates, amounts, ids fail it)."""
    n = len(digits)
    if plus:
        return 8 <= n <= 15
    if digits.startswith("00"):
        return 10 <= n <= 17
    if region.upper() == "VN":
        if digits.startswith("0"):
            return n == 10 or (n == 11 and digits.startswith("02"))
        if digits.startswith("84"):
            return n == 11 or (n == 12 and digits.startswith("842"))
        return _service_number(digits) is not None
    return 7 <= n <= 15 and digits[0] == "0"


def find_in_token(
    token: str, region: str = "VN"
) -> Iterator[tuple[int, int, str, str, str | None]]:
    """Phone numbers inside one NUMBER_TOKEN match: ``(start, end, key, line_type, service)``.

    A token may hold several numbers run together ("0912 345 678 0987 654 321") or a date
    followed by a number; groups are tried left to right.
    """
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(token)]
    i = 0
    n = len(groups)
    while i < n:
        found = False
        start = groups[i][0]
        # include a leading "+" / "(+" / "(" right before the first group
        lead = start
        while lead > 0 and token[lead - 1] in "+( ":
            lead -= 1
        lead_text = token[lead:start]
        plus = "+" in lead_text
        if lead_text.strip() == "" or (i > 0 and "(" not in lead_text and "+" not in lead_text):
            lead = start
        digits = ""
        for j in range(i, n):
            digits += token[groups[j][0] : groups[j][1]]
            if len(digits) > 17:
                break
            if not plausible(digits, plus, region):
                continue
            try:
                key, line_type, service = _normalize(("+" if plus else "") + digits, region)
            except IndicatorError:
                continue
            yield lead, groups[j][1], key, line_type, service
            i = j + 1
            found = True
            break
        if not found:
            i += 1
