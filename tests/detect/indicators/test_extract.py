from __future__ import annotations

import pytest

from notalone.detect.indicators import Indicator, extract_indicators


def kinds(text: str) -> list[tuple[str, str]]:
    return [(i.kind, i.normalized) for i in extract_indicators(text)]


def test_spans_slice_original_text() -> None:
    text = "Chuyển 50tr vào STK 0123456789 Vietcombank, gọi 0912 345 678 nhé"
    found = extract_indicators(text)
    assert found == sorted(found, key=lambda i: i.start)
    for ind in found:
        assert isinstance(ind, Indicator)
        assert text[ind.start : ind.end] == ind.value
    assert kinds(text) == [
        ("money", "VND:50000000"),
        ("bank_account", "VCB:0123456789"),
        ("phone", "+84912345678"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "gọi 0912 345 678",
        "gọi 0912.345.678",
        "gọi +84 912 345 678",
        "gọi 84-912-345-678",
        "gọi (+84)912345678",
        "zalo 0912345678 nha",
    ],
)
def test_vietnamese_mobile_formats_are_one_key(text: str) -> None:
    assert kinds(text) == [("phone", "+84912345678")]


def test_landline_international_and_short_codes() -> None:
    text = "024 3825 1234, +1 415 555 2671, +33 6 12 34 56 78, +44 20 7946 0958"
    assert [n for _, n in kinds(text)] == [
        "+842438251234",
        "+14155552671",
        "+33612345678",
        "+442079460958",
    ]
    found = extract_indicators("Hotline 1900 545 413, gọi 113 khi khẩn cấp")
    assert [(i.normalized, i.attrs["line_type"]) for i in found] == [
        ("1900545413", "short_code"),
        ("113", "short_code"),
    ]


@pytest.mark.parametrize("text", ["goi ngay 0912345678 de xac minh", "gọi ngay 0912 345 678"])
def test_a_whole_phone_number_after_at_once_is_a_phone(text: str) -> None:
    # without accents "ngay" (at once) is spelled like "ngày" (the day of a date)
    assert kinds(text) == [("phone", "+84912345678")]


@pytest.mark.parametrize(
    "text",
    [
        "hẹn ngày 12/05/2024 lúc 10:30",
        "hen ngay 12 05 2024 luc 10 30",
        "2024-05-12 nhé",
        "mã đơn hàng 0912345678",
        "có 113 người tham gia",
        "giá 2.000.000 thôi",
        "mã OTP 123456",
    ],
)
def test_not_phones(text: str) -> None:
    assert [k for k, _ in kinds(text) if k == "phone"] == []


def test_bank_accounts() -> None:
    assert kinds("stk 0123 456 789") == [("bank_account", "UNKNOWN:0123456789")]
    assert kinds("MB bank: 0912345678 chủ tk Nguyen Van A") == [("bank_account", "MB:0912345678")]
    assert kinds("techcom 19036123456789") == [("bank_account", "TCB:19036123456789")]
    # a bank account near a bank is not a phone, and the hotline next to it is not an account
    assert kinds("VCB 0123456789, sđt 0912345678") == [
        ("bank_account", "VCB:0123456789"),
        ("phone", "+84912345678"),
    ]
    # an amount next to a bank name is not an account
    assert kinds("chuyển 5000000 vào VCB") == []


def test_ewallet_account_is_also_the_phone() -> None:
    assert kinds("momo 0912345678") == [
        ("bank_account", "MOMO:0912345678"),
        ("phone", "+84912345678"),
    ]


def test_links_and_lookalikes() -> None:
    found = extract_indicators("Vào vcb-xacminh.top/login để xác minh")
    url, dom = found
    assert (url.kind, url.normalized, url.value) == (
        "url",
        "https://vcb-xacminh.top/login",
        "vcb-xacminh.top/login",
    )
    assert url.attrs["lookalike_of"] == "vietcombank"
    assert (dom.kind, dom.normalized) == ("domain", "vcb-xacminh.top")
    official = extract_indicators("trang chính thức www.vietcombank.com.vn.")
    assert [(i.kind, i.normalized, i.attrs.get("official")) for i in official] == [
        ("domain", "vietcombank.com.vn", "1")
    ]
    apk = extract_indicators("tải app: http://bit.ly/abc và https://evil.xyz/VNeID.apk")
    assert apk[0].attrs["shortener"] == "1"
    assert [i.attrs.get("apk") for i in apk if i.kind == "url"] == [None, "1"]


def test_handles() -> None:
    assert kinds("add tele @Scammer_01 nhé") == [("handle", "telegram:@scammer_01")]
    assert kinds("@lan ơi mai đi học không") == []
    found = kinds("t.me/scam_bot và zalo.me/0912345678 và facebook.com/some.page")
    handles = [n for k, n in found if k == "handle"]
    assert handles == ["telegram:@scam_bot", "zalo:+84912345678", "facebook:@some.page"]


def test_money() -> None:
    text = (
        "50tr, 50 triệu, 1 tỷ, 1ty, 500k, 500 nghìn, 500 ngàn, 2.000.000đ, 2,000,000 VND, "
        "$200, 200 USD, 300€, 300 euros, 1tr5"
    )
    assert [n for _, n in kinds(text)] == [
        "VND:50000000",
        "VND:50000000",
        "VND:1000000000",
        "VND:1000000000",
        "VND:500000",
        "VND:500000",
        "VND:500000",
        "VND:2000000",
        "VND:2000000",
        "USD:200",
        "USD:200",
        "EUR:300",
        "EUR:300",
        "VND:1500000",
    ]


def test_emails_and_wallets() -> None:
    text = (
        "mail Abc.Def@Gmail.com, ETH 0x52908400098527886E0F7030069857D2E4169EE7 "
        "BTC bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa "
        "TRON TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"
    )
    assert kinds(text) == [
        ("email", "abc.def@gmail.com"),
        ("crypto_wallet", "ETH:0x52908400098527886e0f7030069857d2e4169ee7"),
        ("crypto_wallet", "BTC:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("crypto_wallet", "BTC:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        ("crypto_wallet", "TRON:TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"),
    ]
    # a bad checksum is not a wallet
    assert kinds("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") == []


@pytest.mark.parametrize(
    "text",
    ["", "😀😀", "\ud800 lỗi \udfff", "a" * 100_000, "0" * 10_000, "a.b." * 20_000, "@" * 5000],
)
def test_never_raises(text: str) -> None:
    for ind in extract_indicators(text):
        assert text[ind.start : ind.end] == ind.value


def test_one_megabyte() -> None:
    text = ("Gọi 0912 345 678, stk 0123456789 VCB, vào vcb-xacminh.top/login 50tr. " * 15000)[
        :1_000_000
    ]
    found = extract_indicators(text)
    assert len(found) > 1000


@pytest.mark.parametrize(
    ("text", "written", "domain"),
    [
        ("Truy cap tpbank-ekyc . xyz de xac thuc", "tpbank-ekyc . xyz", "tpbank-ekyc.xyz"),
        ("vao vcb-digibank[.]top/login ngay", "vcb-digibank[.]top/login", "vcb-digibank.top"),
        ("go to paypal-secure (dot) com now", "paypal-secure (dot) com", "paypal-secure.com"),
        ("link mb-bank chấm xyz nhé", "mb-bank chấm xyz", "mb-bank.xyz"),
        # hyphens hidden between spaces too
        ("mo khoa tai: momo - xacthuc . vip/mokhoa .", "momo - xacthuc . vip/mokhoa",
         "momo-xacthuc.vip"),
        ("vao vcb - ekyc - 24h . top nhe", "vcb - ekyc - 24h . top", "vcb-ekyc-24h.top"),
    ],
)  # fmt: skip
def test_links_with_hidden_dots_are_links(text: str, written: str, domain: str) -> None:
    found = {i.kind: i for i in extract_indicators(text)}
    link = found.get("url") or found["domain"]
    assert link.value == written == text[link.start : link.end]
    assert link.attrs.get("defanged") == "1"
    assert found["domain"].normalized == domain


@pytest.mark.parametrize(
    "text", ["ok . see you", "toi o nha . com chua", "done . Net", "cam on - hen gap lai . bye"]
)
def test_a_spaced_full_stop_between_words_is_not_a_link(text: str) -> None:
    assert extract_indicators(text) == []


def test_two_edits_from_a_short_brand_name_is_an_everyday_word_not_a_lookalike() -> None:
    from notalone.detect.indicators.lookalike import assess_domain

    # "Reaching school already.talk to u" glues a sentence into a host two edits from "airpay"
    for host in ("already.talk", "already.so"):
        assert assess_domain("https://" + host).lookalike_of is None
    # one edit from a short name, or two from a long one, is still an imitation
    assert assess_domain("https://paypai.com").lookalike_of == "paypal"
    assert assess_domain("https://vietcombamk.com").lookalike_of == "vietcombank"


@pytest.mark.parametrize(
    ("host", "suffix"),
    [
        ("qldt-daotao.edu-vn.site", "edu.vn"),
        ("shop.com-vn.online", "com.vn"),
        ("portal.com.vn.check-id.top", "com.vn"),
        ("refund.co-uk.info", "co.uk"),
    ],
)
def test_an_official_suffix_inside_a_registrable_host_is_a_lookalike(
    host: str, suffix: str
) -> None:
    from notalone.detect.indicators.lookalike import assess_domain

    assert assess_domain(host).lookalike_of == suffix


@pytest.mark.parametrize("host", ["www.hcmus.edu.vn", "bbc.co.uk", "tuoitre.vn", "comvn.net"])
def test_a_real_suffix_at_the_end_of_a_host_is_not_a_lookalike(host: str) -> None:
    from notalone.detect.indicators.lookalike import assess_domain

    assert assess_domain(host).lookalike_of is None
