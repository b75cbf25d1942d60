"""The phone fast path used by bulk imports gives exactly what phonenumbers gives."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.indicators import IndicatorError
from notalone.detect.indicators.phones import _normalize_uncached


def _slow(cleaned: str) -> str | None:
    try:
        number = phonenumbers.parse(cleaned, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["0", "+84"]), st.from_regex(r"[35789][0-9]{8}", fullmatch=True))
def test_vietnamese_mobile_fast_path_matches_phonenumbers(prefix: str, national: str) -> None:
    cleaned = prefix + national
    try:
        fast: str | None = _normalize_uncached(cleaned, "VN")[0]
    except IndicatorError:
        fast = None
    assert fast == _slow(cleaned)
