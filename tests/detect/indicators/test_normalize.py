from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect.indicators import (
    IndicatorError,
    InMemoryRegistry,
    RegistryVerdict,
    assess_domain,
    detect_kind,
    extract_indicators,
    lookup_all,
    normalize,
)


@pytest.mark.parametrize(
    ("kind", "value", "key"),
    [
        ("phone", "0912 345 678", "+84912345678"),
        ("phone", "+84912345678", "+84912345678"),
        ("phone", "84-912-345-678", "+84912345678"),
        ("phone", "(+84)912345678", "+84912345678"),
        ("phone", "024 3825 1234", "+842438251234"),
        ("phone", "+33 6 12 34 56 78", "+33612345678"),
        ("phone", "1900 545 413", "1900545413"),
        ("phone", "+841900545413", "1900545413"),
        ("phone", "113", "113"),
        ("phone", "8079", "8079"),
        ("bank_account", "VCB:0123456789", "VCB:0123456789"),
        ("bank_account", "Vietcombank 0123 456 789", "VCB:0123456789"),
        ("bank_account", "vcb:0123456789", "VCB:0123456789"),
        ("bank_account", "0123456789", "UNKNOWN:0123456789"),
        ("url", "HTTP://WWW.Example.COM/Path/?q=1#x", "https://www.example.com/Path"),
        ("url", "vcb-xacminh.top/login", "https://vcb-xacminh.top/login"),
        ("domain", "https://a.b.Example.com/x", "example.com"),
        ("domain", "www.vietcombank.com.vn", "vietcombank.com.vn"),
        ("handle", "telegram:@Name", "telegram:@name"),
        ("handle", "tg @Name", "telegram:@name"),
        ("handle", "https://t.me/Name", "telegram:@name"),
        ("handle", "zalo:0912345678", "zalo:+84912345678"),
        ("email", "Abc@Example.COM", "abc@example.com"),
        ("money", "50tr", "VND:50000000"),
        ("money", "1 tỷ", "VND:1000000000"),
        ("money", "$200", "USD:200"),
        ("money", "300 euros", "EUR:300"),
        ("money", "VND:50000000", "VND:50000000"),
        ("crypto_wallet", "0x52908400098527886E0F7030069857D2E4169EE7",
         "ETH:0x52908400098527886e0f7030069857d2e4169ee7"),
    ],
)  # fmt: skip
def test_normalize(kind: str, value: str, key: str) -> None:
    assert normalize(kind, value) == key
    assert normalize(kind, key) == key


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "12/05/2024"),
        ("phone", "hello"),
        ("bank_account", "no digits"),
        ("url", "ftp2://x"),
        ("domain", "localhost"),
        ("handle", "@name"),
        ("email", "not-an-email"),
        ("money", "50"),
        ("crypto_wallet", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
        ("nonsense", "x"),
        ("phone", ""),
    ],
)
def test_normalize_errors(kind: str, value: str) -> None:
    with pytest.raises(IndicatorError) as err:
        normalize(kind, value)
    assert isinstance(err.value, ValueError)
    assert str(err.value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("+84912345678", "phone"),
        ("0912 345 678", "phone"),
        ("VCB:0123456789", "bank_account"),
        ("https://x.com/a", "url"),
        ("example.com", "domain"),
        ("telegram:@name", "handle"),
        ("a@b.com", "email"),
        ("VND:500000", "money"),
        ("50tr", "money"),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "crypto_wallet"),
    ],
)
def test_detect_kind(value: str, kind: str) -> None:
    assert detect_kind(value) == kind


def test_assess_domain() -> None:
    official = assess_domain("https://vcbdigibank.vietcombank.com.vn/login")
    assert official.official_brand == "vietcombank" and official.lookalike_of is None
    assert assess_domain("dichvucong.gov.vn").official
    assert assess_domain("congan.hanoi.gov.vn").official
    cases = {
        "vietcombank-xacminh.com": "vietcombank",
        "vcb-online.top": "vietcombank",
        "vietc0mbank.com": "vietcombank",
        "faceb00k.com": "facebook",
        "vietcombamk.com": "vietcombank",
        "xn--vietcombnk-6qi.com": "vietcombank",
        "zalo-verify.net": "zalo",
        "bocongan-gov.com": "bocongan",
        "tiktok-shop-event.xyz": "tiktok",
    }
    for host, brand in cases.items():
        a = assess_domain(host)
        assert a.lookalike_of == brand, (host, a)
        assert a.reason
    for host in ("example.com", "vnexpress.net", "google.com", "dantri.com.vn"):
        assert assess_domain(host).lookalike_of is None, host
    assert assess_domain("bit.ly/x").shortener
    assert assess_domain("https://x.top/app.apk").apk
    hidden = assess_domain("https://vietcombank.com.vn@evil.top/")
    assert hidden.registered_domain == "evil.top" and hidden.lookalike_of is not None


def test_registry() -> None:
    registry = InMemoryRegistry()
    registry.add("phone", "+84912345678", RegistryVerdict("confirmed_scam", 3, ("fraud",)))
    found = extract_indicators("gọi 0912.345.678 hoặc +84 912 345 678")
    hits = lookup_all(found, registry)
    assert [v.status for _, v in hits] == ["confirmed_scam", "confirmed_scam"]
    with pytest.raises(ValueError):
        RegistryVerdict("bogus")


# -- properties ---------------------------------------------------------------------------

_PIECES = [*"0123456789 .-+()@/:$€đkKtrTRiệuvcbVCB", "tỷ", "stk ", "zalo ", "t.me/", ".com"]
_chat = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), _chat))
def test_extract_never_raises_and_spans_slice_text(text: str) -> None:
    found = extract_indicators(text)
    assert [i.start for i in found] == sorted(i.start for i in found)
    for ind in found:
        assert 0 <= ind.start < ind.end <= len(text)
        assert text[ind.start : ind.end] == ind.value
        assert normalize(ind.kind, ind.normalized) == ind.normalized


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["phone", "bank_account", "url", "domain", "handle", "email", "money"]),
    st.one_of(st.text(max_size=40), _chat),
)
def test_normalizers_are_idempotent(kind: str, value: str) -> None:
    try:
        key = normalize(kind, value)
    except IndicatorError:
        return
    assert normalize(kind, key) == key


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"0[35789][0-9]{8}", fullmatch=True), st.sampled_from([" ", ".", "-", ""]))
def test_vn_mobile_formats_share_one_key(digits: str, sep: str) -> None:
    try:
        key = normalize("phone", digits)
    except IndicatorError:
        return  # unassigned prefixes
    grouped = sep.join([digits[:4], digits[4:7], digits[7:]])
    assert normalize("phone", grouped) == key
    assert normalize("phone", "+84" + digits[1:]) == key
    assert normalize("phone", "84-" + digits[1:]) == key
