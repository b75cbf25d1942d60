"""End-to-end behaviour of the detector on conversations, in Vietnamese, English and French."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from notalone.detect import Detector, InputError, Message
from notalone.detect.conversation import ConversationState

DET = Detector.default()
HIGH = ("high", "critical")

KIDNAP_VI = {
    "id": "k1",
    "messages": [
        {"from": "a", "text": "Tôi là cán bộ công an, em liên quan vụ án rửa tiền."},
        {
            "from": "a",
            "text": "Giữ bí mật, không được nói với bố mẹ. Thuê phòng khách sạn ở một mình và "
            "chuyển 50tr vào stk 0123456789 để xác minh.",
        },
    ],
}
TEACHER_WARNING_VI = {
    "id": "b1",
    "messages": [
        {
            "from": "t",
            "text": "Các em nhớ: công an không bao giờ gọi điện bắt các em thuê khách sạn hay "
            "chuyển tiền. Gặp chuyện thì báo bố mẹ hoặc thầy cô.",
        }
    ],
}


def _analyze(conv: dict[str, Any]) -> dict[str, Any]:
    return DET.analyze(conv).to_dict()


def assert_spans_slice_original(conv: dict[str, Any], result: dict[str, Any]) -> None:
    for t in result["tactics"]:
        assert conv["messages"][t["message"]]["text"][t["start"] : t["end"]] == t["text"]
    for i in result["indicators"]:
        assert conv["messages"][i["message"]]["text"][i["start"] : i["end"]] == i["value"]


def test_when_fake_police_orders_secrecy_hotel_and_transfer_then_level_is_high() -> None:
    result = _analyze(KIDNAP_VI)
    assert result["level"] in HIGH
    assert result["category"] == "online_kidnapping"
    assert result["first_alert_at"] is not None
    assert result["advice"]
    assert_spans_slice_original(KIDNAP_VI, result)


def test_when_teacher_quotes_the_scam_then_level_stays_below_high() -> None:
    result = _analyze(TEACHER_WARNING_VI)
    assert result["level"] not in HIGH
    assert result["first_alert_at"] is None


@pytest.mark.parametrize(
    "transform",
    [
        lambda s: s,
        lambda s: unicodedata.normalize("NFD", s),
        lambda s: (
            "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
            .replace("đ", "d")
            .replace("Đ", "D")
        ),
        lambda s: s.replace("chuyển", "c.h.u.y.ể.n").replace("khách sạn", "kh\u200bách s\u200bạn"),
    ],
    ids=["nfc", "nfd", "no-diacritics", "obfuscated"],
)
def test_when_the_same_attack_is_spelled_differently_then_it_is_still_high(transform: Any) -> None:
    conv = {
        "id": "k",
        "messages": [
            {"from": m["from"], "text": transform(m["text"])} for m in KIDNAP_VI["messages"]
        ],
    }
    result = _analyze(conv)
    assert result["level"] in HIGH, result["tactics"]
    assert_spans_slice_original(conv, result)


def test_when_danger_appears_late_then_alert_is_at_the_harmful_step() -> None:
    chat = [
        {"from": "a" if i % 2 else "b", "text": f"hôm nay lớp mình học bài {i} vui ghê"}
        for i in range(60)
    ]
    conv = {"id": "late", "messages": chat + KIDNAP_VI["messages"]}
    result = _analyze(conv)
    assert result["first_alert_at"] == 61


def test_incremental_state_matches_whole_conversation() -> None:
    state = DET.new_conversation("k1")
    for m in KIDNAP_VI["messages"]:
        last = state.add(Message(m["from"], m["text"]))
    assert last.to_dict() == _analyze(KIDNAP_VI)


def test_when_child_is_named_then_their_own_words_raise_no_alarm() -> None:
    conv = {
        "id": "c",
        "child": "u2",
        "messages": [{"from": "u2", "text": m["text"]} for m in KIDNAP_VI["messages"]],
    }
    assert _analyze(conv)["level"] not in HIGH


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "text",
        {"messages": "x"},
        {"messages": [{"from": "a"}]},
        {"messages": [{"text": 3}]},
    ],
)
def test_malformed_conversations_raise_input_error(bad: Any) -> None:
    with pytest.raises(InputError):
        DET.analyze(bad)


@pytest.mark.parametrize("text", ["", " ", "😀" * 1000, "x" * 1_000_000, "\ud800"])
def test_odd_messages_never_crash(text: str) -> None:
    result = DET.analyze_text(text).to_dict()
    assert 0.0 <= result["risk"] <= 1.0


def test_a_message_too_long_for_one_window_keeps_what_its_sender_and_words_say() -> None:
    # over MAX_MESSAGE_CHARS the analyzer reads overlapping windows: the flags must merge
    from notalone.detect.analyzer import MAX_MESSAGE_CHARS

    otp = "Ma OTP cua ban la 123456, KHONG cung cap cho bat ky ai. "
    long_otp = otp * (MAX_MESSAGE_CHARS // len(otp) + 2)
    assert DET.analyzer.analyze(otp, "VCB").official
    assert DET.analyzer.analyze(long_otp, "VCB").official
    assert not DET.analyzer.analyze(long_otp + " vcb-xacminh.top/otp", "VCB").official
    mom = "ok mom, see you at 6. "
    long_mom = "la " * (MAX_MESSAGE_CHARS // 3) + mom
    assert DET.analyzer.analyze(mom).calls_parent
    assert DET.analyzer.analyze(long_mom).calls_parent
    told = "i just got the weirdest call from someone claiming to be the police. "
    long_told = "la " * (MAX_MESSAGE_CHARS // 3) + told
    assert DET.analyzer.analyze(told).retells
    assert DET.analyzer.analyze(long_told).retells


def test_when_the_registry_confirms_a_scam_number_then_the_message_is_an_alert() -> None:
    from notalone.detect.indicators import InMemoryRegistry, RegistryVerdict

    registry = InMemoryRegistry()
    registry.add("phone", "+84912345678", RegistryVerdict("confirmed_scam", 12, ("fraud",)))
    text = "Gọi lại cho chị số 0912 345 678 nhé"
    assert DET.analyze_text(text).level not in HIGH
    result = DET.with_lookup(registry).analyze_text(text).to_dict()
    assert result["level"] in HIGH
    [ev] = [t for t in result["tactics"] if t["tactic"] == "reported_indicator"]
    assert text[ev["start"] : ev["end"]] == "0912 345 678"


def test_when_the_sender_link_is_trusted_then_words_weigh_less() -> None:
    from notalone.detect.indicators import InMemoryRegistry, RegistryVerdict

    registry = InMemoryRegistry()
    registry.add("domain", "vietcombank.com.vn", RegistryVerdict("trusted", 0, ()))
    text = "Nhập mã OTP tại vietcombank.com.vn để xác thực giao dịch"
    plain = DET.analyze_text(text)
    trusted = DET.with_lookup(registry).analyze_text(text)
    assert trusted.risk <= plain.risk
    assert all("trusted_source" in e.modifiers for e in trusted.evidence)


def test_a_trusted_platform_domain_does_not_vouch_for_a_channel_on_it() -> None:
    from notalone.detect.indicators import InMemoryRegistry, RegistryVerdict

    registry = InMemoryRegistry()
    for kind, value in (("domain", "t.me"), ("url", "https://t.me/vieclam_vip88")):
        registry.add(kind, value, RegistryVerdict("trusted", 0, ()))
    text = "Việc nhẹ lương cao, vào nhóm t.me/vieclam_vip88, cọc trước 500k để nhận nhiệm vụ"
    plain = DET.analyze_text(text)
    looked_up = DET.with_lookup(registry).analyze_text(text)
    assert looked_up.risk == plain.risk
    assert not any("trusted_source" in e.modifiers for e in looked_up.evidence)


def test_a_registry_outage_does_not_stop_detection() -> None:
    class Broken:
        def lookup(self, kind: str, normalized: str) -> None:
            raise ConnectionError("database down")

    result = DET.with_lookup(Broken()).analyze(KIDNAP_VI)
    assert result.level in HIGH


def test_when_a_student_pastes_a_scam_in_quotes_to_ask_friends_then_no_alert() -> None:
    conv = {
        "id": "fwd",
        "messages": [
            {
                "from": "u1",
                "text": 'mn ơi t nhận tin này: "[VCB] Tai khoan cua quy khach se bi khoa, truy cap '
                'vietcombank-xacthuc.vip de cap nhat". có phải lừa ko',
            },
            {"from": "u2", "text": "lừa 100% đó, vcb chỉ có vietcombank.com.vn thôi"},
        ],
    }
    result = _analyze(conv)
    assert result["level"] not in HIGH
    assert all("quoted" in t["modifiers"] for t in result["tactics"])


@pytest.mark.parametrize(
    "text",
    [
        "'USPS: your package can't be delivered. Confirm your address within 12 hours at "
        "usps-redeliver.top' and then a link",
        "he sent ‘send me the code now or your account gets locked’ is this legit",
    ],
)
def test_a_scam_pasted_in_single_quotes_counts_as_a_quote(text: str) -> None:
    hits = DET.analyzer.analyze(text).hits
    assert hits and all("quoted" in h.modifiers for h in hits if h.tactic != "phishing_link")


def test_apostrophes_are_not_quotation_marks() -> None:
    hits = DET.analyzer.analyze("don't tell ur mom about me, it's our secret ok").hits
    assert hits and not any("quoted" in h.modifiers for h in hits)


def test_short_quotes_before_a_quoted_threat_do_not_shift_the_quotation_marks() -> None:
    text = (
        'Students got messages from "girls" or "boys" who send a picture first, then say '
        '"I have your followers list, pay $500 in gift cards or I send it to everyone".'
    )
    analysis = DET.analyzer.analyze(text)
    threats = [h for h in analysis.hits if h.tactic == "sextortion_threat"]
    assert threats and all("quoted" in h.modifiers for h in threats)


def test_when_is_this_a_scam_follows_a_paste_then_the_paste_counts_as_a_quote() -> None:
    state = DET.new_conversation("paste")
    state.add(Message("u1", "Bạn đã trúng thưởng iPhone, bấm vào bit.ly/qua-tang-vcb để nhận"))
    before = state.assessment.risk
    after = state.add(Message("u1", "cái này là lừa đảo đúng ko mọi người, cảnh giác nha"))
    assert after.risk < before or before == 0.0
    assert all("warning" in e.modifiers for e in after.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "nếu em không chuyển tiền thì tao gửi clip cho toàn bộ bạn bè của mày",
        "if u dont pay ill leak ur nudes to everyone",
    ],
)
def test_a_negation_inside_a_condition_does_not_cancel_the_threat(text: str) -> None:
    assert DET.analyze_text(text).level in HIGH


def test_a_vietnamese_negator_does_not_negate_english_words() -> None:
    # "k" is "không" in Vietnamese teen code and "ok" in English chat.
    [ev] = [e for e in DET.analyze_text("k send me a pic of u in ur bra").evidence]
    assert ev.tactic == "image_request" and "negation" not in ev.modifiers


ADULTS_FLIRTING_EN = {
    "id": "a1",
    "messages": [
        {"from": "m", "text": "what are you wearing right now"},
        {"from": "w", "text": "haha wouldn't you like to know"},
        {"from": "m", "text": "you look gorgeous, send me a pic"},
        {"from": "w", "text": "lol I'm 31 not 19, behave"},
    ],
}


def test_when_adults_flirt_without_any_sign_of_a_minor_then_it_is_not_a_grooming_alert() -> None:
    result = _analyze(ADULTS_FLIRTING_EN)
    assert result["level"] not in HIGH


@pytest.mark.parametrize(
    "cue",
    ["im 13 lol", "my mom wont let me have snap", "j'ai 14 ans", "je suis en 4ème"],
)
def test_when_the_young_person_says_they_are_a_minor_the_same_chat_is_grooming(cue: str) -> None:
    conv = {
        "id": "g1",
        "messages": [
            ADULTS_FLIRTING_EN["messages"][0],
            {"from": "w", "text": cue},
            *ADULTS_FLIRTING_EN["messages"][2:3],
        ],
    }
    result = _analyze(conv)
    assert result["level"] in HIGH
    assert result["category"] == "grooming"
    assert result["first_alert_at"] == 2


def test_a_minor_cue_after_the_evidence_raises_the_alert_when_it_arrives() -> None:
    state = DET.new_conversation("g2")
    state.add(Message("m", "what are you wearing right now"))
    before = state.add(Message("m", "you look gorgeous, send me a pic"))
    assert before.level not in HIGH
    after = state.add(Message("w", "lol im only 14"))
    assert after.level in HIGH
    assert after.category == "grooming"
    assert after.first_alert_at == 2


@pytest.mark.parametrize(
    "cues",
    [
        ["ugh ms patterson gave us a test", "my mom yelled at me for being up past bedtime"],
        ["on the bus home rn its so loud", "my dad had to drive me after"],
    ],
)
def test_two_different_everyday_cues_of_a_young_person_show_a_minor(cues: list[str]) -> None:
    """One cue of a student's day is an adult's day too ("coach made us run laps"); two
    different ones in the conversation show a minor, and the picture asked for is grooming."""
    state = DET.new_conversation()
    state.add(Message("w", cues[0]))
    state.add(Message("m", "what are you wearing right now"))
    one = state.add(Message("m", "you look gorgeous, send me a pic"))
    assert one.level not in HIGH
    two = state.add(Message("w", cues[1]))
    assert two.level in HIGH
    assert two.category == "grooming"


def test_a_new_everyday_cue_counts_beside_one_already_seen_in_the_same_message() -> None:
    state = DET.new_conversation()
    state.add(Message("w", "ugh ms patterson gave us a test"))
    state.add(Message("w", "mr jones gave us a quiz too and im up past my bedtime"))
    assert state.minor


def test_the_same_everyday_cue_twice_or_an_adults_own_day_is_no_minor() -> None:
    for first, second in [
        ("ms patterson gave us a test", "mr jones gave us a test too"),
        ("im 31 lol", "my mom yelled at me again"),
    ]:
        state = DET.new_conversation()
        state.add(Message("w", first))
        state.add(Message("w", "past my bedtime already" if first.startswith("im") else second))
        state.add(Message("m", "what are you wearing right now"))
        result = state.add(Message("m", "you look gorgeous, send me a pic"))
        assert result.level not in HIGH, (first, second)


def _levels(conv: list[tuple[str, str]]) -> tuple[str, int | None, list[tuple[str, float]]]:
    state = DET.new_conversation()
    for sender, text in conv:
        assessment = state.add(Message(sender, text))
    ages = [(e.tactic, e.score) for e in assessment.evidence if e.tactic == "age_probing"]
    return assessment.level, assessment.first_alert_at, ages


def test_an_age_question_answered_with_a_minors_age_counts_as_a_confident_age_probe() -> None:
    """ "asl" opens adults' chat rooms as often as predators' chats (weak alone); answered by
    "13 f", it found a minor, and the cam request that follows is grooming."""
    level, first, ages = _levels([("a", "asl"), ("b", "13 f"), ("a", "cool. do u have a cam")])
    assert level in HIGH
    assert first == 2
    assert ages == [("age_probing", 0.7)]


@pytest.mark.parametrize(
    "conv",
    [
        # an adult's answer
        [("a", "asl"), ("b", "29 f"), ("a", "cool. do u have a cam")],
        # the asker answering their own question is no answer
        [("a", "asl"), ("a", "13 f"), ("a", "cool. do u have a cam")],
    ],
)
def test_an_age_question_stays_weak_without_a_minors_answer(conv: list[tuple[str, str]]) -> None:
    level, _, ages = _levels(conv)
    assert level not in HIGH
    assert ages and all(score < 0.5 for _, score in ages)


@pytest.mark.parametrize(
    ("question", "answer"),
    [("how old r u", "15"), ("em bao nhiêu tuổi", "14t ạ"), ("t'as quel âge", "13 ans")],
)
def test_a_bare_age_answering_an_age_question_shows_a_minor(question: str, answer: str) -> None:
    state = DET.new_conversation()
    state.add(Message("a", question))
    state.add(Message("b", answer))
    assert state.minor
    ages = [e.score for e in state.assessment.evidence if e.tactic == "age_probing"]
    assert ages == [0.7]


@pytest.mark.parametrize(
    "conv",
    [
        [("a", "how many tickets do u need"), ("b", "15")],  # a number, not an age
        [("a", "how old r u"), ("a", "15")],  # the asker's own words
        [("a", "ok"), ("b", "lol"), ("b", "15")],  # not right after the question
    ],
)
def test_a_bare_number_elsewhere_is_no_minor(conv: list[tuple[str, str]]) -> None:
    state = DET.new_conversation()
    for sender, text in conv:
        state.add(Message(sender, text))
    assert not state.minor


def test_a_declared_child_is_a_minor_without_any_cue() -> None:
    result = _analyze(
        {**ADULTS_FLIRTING_EN, "child": "w", "messages": ADULTS_FLIRTING_EN["messages"][:3]}
    )
    assert result["level"] in HIGH
    assert result["category"] == "grooming"


def test_an_official_sender_halves_what_the_words_suggest_unless_a_link_is_not_official() -> None:
    text = "Tai khoan cua quy khach se bi khoa trong 24h. Vui long cap nhat thong tin tai {link}"
    genuine = DET.new_conversation().add(
        Message("Vietcombank", text.format(link="https://vietcombank.com.vn/capnhat"))
    )
    spoofed = DET.new_conversation().add(
        Message("Vietcombank", text.format(link="https://vietcombank-capnhat.top/xacminh"))
    )
    assert genuine.evidence
    assert all("official_source" in e.modifiers for e in genuine.evidence)
    assert not any("official_source" in e.modifiers for e in spoofed.evidence)
    assert spoofed.risk > genuine.risk
    assert spoofed.level in HIGH


def test_an_official_sender_that_asks_for_the_code_outright_is_not_taken_as_genuine() -> None:
    ask = (
        "Thank you. Please reply with the 6-digit sign-in code we just sent to cancel the payment."
    )
    spoofed = DET.new_conversation().add(Message("Chase", ask))
    assert not any("official_source" in e.modifiers for e in spoofed.evidence)
    assert spoofed.level in HIGH
    # the genuine code SMS and the bank's own warning keep their discount
    genuine = DET.analyzer.analyze(
        "471 662 is your Chase code. Don't share it with anyone.", "Chase"
    )
    warning = DET.analyzer.analyze(
        "Techcombank xin chào. Đây KHÔNG phải website của Techcombank. Quý khách vui lòng không "
        "truy cập, không cung cấp tên đăng nhập, mật khẩu, OTP.",
        "Techcombank",
    )
    assert genuine.official
    assert warning.official


@pytest.mark.parametrize(
    "link", ["t.me/vip_coin_88", "wa.me/15555550130", "zalo.me/g/abcxyz", "forms.gle/Ab12Cd"]
)
def test_a_link_to_a_platform_where_anyone_publishes_does_not_make_a_message_official(
    link: str,
) -> None:
    analysis = DET.analyzer.analyze(f"Earn $300/day liking videos, no experience. Join: {link}")
    assert not analysis.official
    assert not any("official_source" in h.modifiers for h in analysis.hits)
    # ... and it is still no look-alike: a group invite is not phishing evidence by itself
    assert not any(h.recognizer.startswith("indicator.") for h in analysis.hits)


@pytest.mark.parametrize(
    ("number", "official"),
    [("0912 345 678", False), ("+44 7911 123456", False), ("1900 545 413", True)],
)
def test_a_bank_sender_giving_a_personal_number_to_call_is_not_official(
    number: str, official: bool
) -> None:
    # a spoofed "Vietcombank" SMS sends the victim to the scammer's own phone
    text = f"TK cua quy khach bi tam khoa. Vui long goi ngay {number} de xac minh"
    assert DET.analyzer.analyze(text, "Vietcombank").official is official


def test_an_official_brandname_sender_without_links_counts_as_official() -> None:
    analysis = DET.analyzer.analyze("Ma OTP cua ban la 123456, KHONG cung cap cho bat ky ai", "VCB")
    assert analysis.official
    assert not DET.analyzer.analyze("Ma OTP cua ban la 123456", "0912345678").official


def _link_signals(text: str, sender: str = "+84 912 345 678") -> set[str]:
    hits = DET.analyzer.analyze(text, sender).hits
    return {h.recognizer for h in hits if h.recognizer.startswith("indicator.")}


@pytest.mark.parametrize(
    ("sender", "text"),
    [
        ("+1 555 014 2291", "Amazon Prime: payment failed, restore at renewal-center.shop/p/1"),
        ("+84 912 345 678", "[Vietcombank] Quy khach vui long xac minh tai xacminh-tk.com"),
        ("+84 912 345 678", "VCB thong bao: tai khoan tam khoa, xac minh tai xacminh-tk.com"),
        ("Vietcombank", "Tai khoan tam khoa, xac minh tai xacminh-tk.com"),
    ],
)
def test_a_message_speaking_as_a_brand_with_a_link_the_brand_does_not_own_is_off_brand(
    sender: str, text: str
) -> None:
    assert "indicator.off_brand.v1" in _link_signals(text, sender)


@pytest.mark.parametrize(
    "text",
    [
        "Netflix: new episodes are out, watch at netflix.com",  # the brand's own domain
        "omg this dress on sale-shop.com is so cute",  # no brand speaks
        "my cousin works at amazon lol, he sent me recipes-daily.com",  # a brand named later
    ],
)
def test_a_link_is_not_off_brand_on_the_brands_own_domain_or_without_a_brand_speaking(
    text: str,
) -> None:
    assert "indicator.off_brand.v1" not in _link_signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "tin nhắn bảo cập nhật tại vietcombank-hotro.net, có phải của ngân hàng không ạ?",
        "I got a text with royalmail-redelivery.com is this real?",
        "est-ce que c'est une arnaque ? ameli-remboursement.fr-info.com",
    ],
)
def test_asking_whether_a_look_alike_link_is_genuine_is_not_an_attack(text: str) -> None:
    result = DET.new_conversation().add(Message("x", text))
    assert result.level not in HIGH
    assert any("doubt" in e.modifiers for e in result.evidence)


def test_a_vietnamese_doubt_particle_is_not_read_into_english_words() -> None:
    # "thật à?" folds to "that a": in "we noticed that a login ..." it is no question
    text = (
        "We noticed that a login to your account was made. Verify your identity now at "
        "chase-secure-login.com or your account will be suspended"
    )
    result = DET.new_conversation().add(Message("x", text))
    assert result.level in HIGH
    assert not any("doubt" in e.modifiers for e in result.evidence)
    asked = DET.new_conversation().add(Message("x", "link vcb-xacthuc.vip này thật à"))
    assert asked.level not in HIGH
    assert any("doubt" in e.modifiers for e in asked.evidence)


def test_a_scam_that_borrows_a_warning_word_still_alerts() -> None:
    text = "Vietcombank canh bao: tai khoan co dau hieu lua dao, xac minh tai vcb-xacminh.top"
    result = DET.new_conversation().add(Message("x", text))
    assert result.level in HIGH


def _result(kind: str, start: int, end: int, score: float) -> Any:
    from notalone.detect.recognizers import RecognizerResult

    return RecognizerResult(kind, start, end, score, "vi.test.v1", 0, "vi")


def test_a_hit_holding_its_own_negation_is_not_beaten_by_a_shorter_negated_one() -> None:
    from notalone.detect.analyzer import _apply_frames
    from notalone.detect.normalize import normalize

    norm = normalize("chua thanh toan phi luu kho")
    results = [
        _result("frame:negation", 0, 4, 1.0),  # "chua"
        _result("money_demand", 5, 27, 0.8),  # "thanh toan phi luu kho", negated
        _result("money_demand", 0, 27, 0.75),  # the whole phrase, its negation inside
    ]
    (hit,) = _apply_frames(norm, results)
    assert (hit.start, hit.score, hit.modifiers) == (0, 0.75, ())


def test_an_everyday_context_excuses_neither_a_credential_request_nor_a_lure_on_a_link() -> None:
    from notalone.detect.analyzer import _apply_frames
    from notalone.detect.normalize import normalize

    norm = normalize("hoc phi: dang nhap tai hocphi-xyz.online bang tk ngan hang")
    ctx = _result("frame:benign_context", 0, 7, 1.0)
    cred = _result("credential_request", 8, 17, 0.8)
    link = _result("phishing_link", 22, 40, 0.7)
    plain = _result("money_demand", 41, 47, 0.6)
    hits = {h.tactic: h for h in _apply_frames(norm, [ctx, cred, link, plain], links=((22, 40),))}
    assert hits["credential_request"].score == 0.8
    assert hits["phishing_link"].score == 0.7
    assert "benign_context" in hits["money_demand"].modifiers
    suspicious = {h.tactic: h for h in _apply_frames(norm, [ctx, plain], suspicious_link=True)}
    assert suspicious["money_demand"].score == 0.6


class _SaysGrooming:
    def message_category(self, folded: str) -> str:
        return "grooming"


def test_without_a_minor_in_sight_the_model_alone_does_not_alert_on_grooming() -> None:
    from notalone.detect.conversation import LEARNED_ALONE_CAP, SpeakerState

    state = DET.new_conversation()
    state._learned = _SaysGrooming()  # type: ignore[assignment]
    sure = SpeakerState(learned_p=0.97, learned_text="...", learned_words=40)
    assert state._learned_part(0.0, sure) == LEARNED_ALONE_CAP
    assert state._learned_part(0.3, sure) == 0.97  # tactic evidence: the model counts in full
    state.minor = True
    assert state._learned_part(0.0, sure) == 0.97


def _age_then_sex(answer: str, asker_age: str = "") -> dict[str, Any]:
    return {
        "id": "a2",
        "messages": [
            {"from": "m", "text": f"hey {asker_age}how old are you?".strip()},
            {"from": "w", "text": answer},
            {"from": "m", "text": "what are you wearing right now"},
            {"from": "m", "text": "send me a pic of you in bed"},
        ],
    }


def test_age_then_sexual_talk_is_not_grooming_when_the_other_says_they_are_an_adult() -> None:
    result = _analyze(_age_then_sex("lol im 27, you?"))
    assert result["level"] not in HIGH or result["category"] != "grooming"


def test_age_then_sexual_talk_is_grooming_when_the_other_is_a_minor() -> None:
    result = _analyze(_age_then_sex("im 14"))
    assert result["level"] in HIGH and result["category"] == "grooming"


def test_the_askers_own_adult_age_does_not_excuse_him() -> None:
    result = _analyze(_age_then_sex("why?", asker_age="im 35 btw, "))
    assert result["level"] in HIGH and result["category"] == "grooming"


def test_observe_then_assessment_equals_add_at_every_step() -> None:
    texts = [
        "chào em, anh là cán bộ công an quận",
        "em liên quan vụ án rửa tiền, phải giữ bí mật",
        "thuê phòng khách sạn một mình và chuyển 50tr để xác minh",
        "ok",
    ]
    quiet, loud = DET.new_conversation("a"), DET.new_conversation("a")
    for n, text in enumerate(texts):
        message = Message("u1" if n < 3 else "u2", text)
        quiet.observe(message)
        assert quiet.risk == loud.add(message).risk
        assert quiet.assessment == loud.assessment
    assert quiet.first_alert_at == loud.first_alert_at is not None


def test_a_warning_that_names_fake_domains_is_not_an_attack() -> None:
    warning = (
        "Công an cảnh báo: các trang giả mạo như vcb-online.top, dichvucong-gov.top đang lừa "
        "người dân, tuyệt đối không truy cập."
    )
    assert DET.analyze_text(warning).level in ("none", "low", "medium")
    attack = (
        "TPBank: Tai khoan cua Quy khach se bi khoa do chua xac thuc eKYC. "
        "Truy cap tpbank-ekyc . xyz de cap nhat ngay."
    )
    assert DET.analyze_text(attack).level in ("high", "critical")


def test_a_young_person_passing_on_orders_counts_but_a_retold_story_does_not() -> None:
    family = {
        "id": "f",
        "child": "kid",
        "messages": [
            {"from": "mom", "text": "con ăn cơm chưa"},
            {
                "from": "kid",
                "text": "co ong xung cong an goi bao em lien quan vu an, bat em ra khach san "
                "1 minh, tat dinh vi, ko duoc lien lac voi ai",
            },
        ],
    }
    result = DET.analyze(family)
    assert result.first_alert_at == 1 and result.category == "online_kidnapping"
    assert any("under_duress" in e.modifiers for e in result.evidence)
    retold = {
        "id": "r",
        "child": "kid",
        "messages": [
            {"from": "friend", "text": "ê nghe gì chưa"},
            {"from": "kid", "text": "mẹ t cũng từng bị tin nhắn con đang ở chỗ bọn tôi"},
        ],
    }
    assert DET.analyze(retold).first_alert_at is None


def test_sexual_talk_from_one_who_talked_about_the_listeners_youth_is_grooming() -> None:
    lines = ["girls ur age r so immature lol", "i want to lick ur whole body and make love to u"]
    adult = DET.new_conversation()
    for text in lines:
        adult.observe(Message("man", text))
    assert adult.speakers["man"].age_gap
    assert adult.assessment.category == "grooming" and adult.first_alert_at is not None
    couple = DET.new_conversation()
    for text in ["ur so cute babe", lines[1]]:
        couple.observe(Message("bf", text))
    assert couple.first_alert_at is None  # the same talk with no age gap is not grooming


def test_the_rule_that_fired_names_the_category_even_when_many_tactics_add_up() -> None:
    conv = {
        "id": "s",
        "child": "kid",
        "messages": [
            {"from": "x", "text": "ur so pretty omg, ur the prettiest girl on here"},
            {"from": "x", "text": "lets move to snap, insta reads the dms"},
            {"from": "x", "text": "how old r u btw"},
            {"from": "kid", "text": "15"},
            {"from": "x", "text": "send me a pic in ur bikini"},
            {
                "from": "x",
                "text": "now pay me 300 or i send ur pics to all ur followers and ur school",
            },
        ],
    }
    assert DET.analyze(conv).category == "sextortion"


def _chat(
    *lines: tuple[str, str], child: str | None = None, lang: str | None = None
) -> dict[str, Any]:
    conv: dict[str, Any] = {"id": "c", "messages": [{"from": f, "text": t} for f, t in lines]}
    if child:
        conv["child"] = child
    if lang:
        conv["lang"] = lang
    return conv


def test_two_minors_of_the_same_age_flirting_is_not_grooming() -> None:
    teens = _chat(
        ("dylan", "so ur 14 right"),
        ("maya", "ya"),
        ("dylan", "same im 14 in august lol"),
        ("dylan", "have u ever been kissed"),
        child="maya",
    )
    assert _analyze(teens)["level"] not in HIGH


def test_an_adult_asking_a_minor_the_same_is_grooming() -> None:
    adult = _chat(
        ("dylan", "so ur 14 right"),
        ("maya", "ya"),
        ("dylan", "have u ever been kissed"),
        child="maya",
    )
    assert _analyze(adult)["level"] in HIGH


def test_a_speaker_who_talks_as_an_adult_is_no_peer_even_if_they_claim_an_age() -> None:
    liar = _chat(
        ("ryan", "so ur 14 right"),
        ("maya", "ya"),
        ("ryan", "im 15 too lol. ur so mature for ur age"),
        ("ryan", "have u ever been kissed"),
        child="maya",
    )
    assert _analyze(liar)["level"] in HIGH


def test_age_is_just_a_number_between_declared_adults_does_not_make_a_minor() -> None:
    adults = _chat(
        ("jake", "a/s/l"),
        ("rosie", "24 f austin"),
        ("jake", "26 m houston"),
        ("jake", "age is just a number lol"),
        ("jake", "ur cute btw"),
        ("jake", "send me a pic"),
    )
    assert _analyze(adults)["level"] not in HIGH


@pytest.mark.parametrize(
    ("text", "tactic"),
    [
        ("ne dis rien ou je publie tes photos", "sextortion_threat"),
        ("dung ke voi ai ko thi tao dang anh len nhom lop", "sextortion_threat"),
        # an order with its own "do not" is not negated by the order before it
        ("do not hang up do not tell your parents", "secrecy_demand"),
        ("đừng cúp máy đừng nói với bố mẹ", "secrecy_demand"),
    ],
)
def test_a_negation_does_not_reach_past_a_new_clause(text: str, tactic: str) -> None:
    # "don't tell anyone OR I post them": the threat after "or <subject>" is not negated.
    found = DET.new_conversation().add(Message("x", text)).evidence
    hit = next(e for e in found if e.tactic == tactic)
    assert "negation" not in hit.modifiers and hit.score >= 0.6


@pytest.mark.parametrize(
    "text",
    [
        "ne publie pas tes photos ou tes vidéos en ligne",  # "or" inside the negated order
        "dont send money or pics to strangers",
    ],
)
def test_a_negated_list_stays_negated(text: str) -> None:
    assert DET.new_conversation().add(Message("x", text)).level in ("none", "low")


def test_the_model_alone_needs_a_few_words_of_style_before_it_alerts() -> None:
    from notalone.detect.conversation import LEARNED_ALONE_CAP, MIN_STYLE_WORDS, SpeakerState

    state = DET.new_conversation()
    short = SpeakerState(learned_p=0.97, learned_text="...", learned_words=MIN_STYLE_WORDS - 1)
    enough = SpeakerState(learned_p=0.97, learned_text="...", learned_words=MIN_STYLE_WORDS)
    state.minor = True  # the grooming limit is not what is tested here
    assert state._learned_part(0.0, short) == LEARNED_ALONE_CAP
    assert state._learned_part(0.0, enough) == 0.97
    assert state._learned_part(0.3, short) == 0.97  # with tactic evidence it counts in full


class _AlwaysSure:
    """A learned stage that reads every message as a sure scam (to test the word floor)."""

    def message_probability(self, folded: str) -> float:
        return 0.999

    def new_aggregate(self) -> Any:
        class _Agg:
            def update(self, p: float) -> float:
                return 0.97

        return _Agg()

    def message_category(self, folded: str) -> str:
        return "fraud"


def test_the_model_alone_alerts_at_the_message_that_brings_enough_words() -> None:
    state = DET.new_conversation()
    state._learned = _AlwaysSure()  # type: ignore[assignment]
    words = 0
    for i, text in enumerate(
        [
            "blue green red",
            "yellow orange",
            "purple pink grey",
            "brown",
            "white black cyan",
            "navy teal",
        ]
    ):
        state.observe(Message("x", text))
        words += len(text.split())
        if words >= 12:
            assert state.first_alert_at == i
            return
        assert state.first_alert_at is None
    raise AssertionError("never reached the word floor")


def _home_alone_pic(parent: str, child_says: str = "ya") -> dict[str, Any]:
    return {
        "id": "p",
        "child": "kid",
        "messages": [
            {"from": parent, "text": "are u home alone rn?"},
            {"from": "kid", "text": child_says},
            {"from": parent, "text": "send me a pic of where u are, dont tell ur brother"},
        ],
    }


@pytest.mark.parametrize("parent", ["Mom ❤️", "Mẹ yêu", "dad"])
def test_a_parent_by_name_meets_no_grooming_rule(parent: str) -> None:
    assert _analyze(_home_alone_pic(parent))["level"] in ("none", "low", "medium")


def test_the_same_words_from_a_stranger_are_grooming() -> None:
    result = _analyze(_home_alone_pic("Bố Hùng"))  # a first name after the word: not a parent
    assert result["level"] in ("high", "critical") and result["category"] == "grooming"


def test_a_child_calling_the_other_mom_marks_a_parent_but_talking_about_mom_does_not() -> None:
    for says in ("ya con cảm ơn mẹ", "ok mom!", "merci maman"):
        assert _analyze(_home_alone_pic("u7", says))["level"] in ("none", "low", "medium"), says
    for says in ("Vâng, mẹ bắt học suốt", "yea mom picked me up after practice", "ok. mom said no"):
        assert _analyze(_home_alone_pic("u7", says))["level"] in ("high", "critical"), says


def test_the_model_corroborates_half_an_arc() -> None:
    """A gift and "keep it hidden, nobody needs to know" with no minor cue the lexicons know:
    the patterns see one tactic (medium at most), the model reads a predator's style, and the
    two together alert, with the explanation splitting the risk between them."""
    lines = [
        ("jim_88", "hey sweetie how was ur day"),
        ("amy", "boring lol"),
        ("jim_88", "aww u deserve better than boring. u always make me smile when we chat"),
        ("amy", "lol thx"),
        ("jim_88", "i got something for u, a new phone so we can talk whenever u want"),
        ("amy", "omg really??"),
        ("jim_88", "ya but keep it hidden ok, nobody needs to know where it came from"),
    ]
    both = DET.new_conversation()
    patterns_only = Detector(DET.knowledge).new_conversation()
    for sender, text in lines:
        both.observe(Message(sender, text))
        patterns_only.observe(Message(sender, text))
    assert patterns_only.first_alert_at is None
    assert both.first_alert_at == 6
    result = both.assessment
    assert result.category == "grooming"
    assert result.contributions["tactics"] > 0.0 and result.contributions["learned"] > 0.0
    assert sum(result.contributions.values()) == pytest.approx(result.risk)


def _dating_chat(reply: str) -> dict[str, Any]:
    return _chat(
        ("a", "ur 41?? ur profile said 38"),
        ("b", "ok busted. i set it up a while ago lol"),
        ("b", "hey age is just a number right"),
        ("a", reply),
        ("b", "can i make it up to u w dinner"),
        ("a", "where"),
        ("b", "fri at 7? i'll pick u up"),
        lang="en",
    )


def test_age_is_just_a_number_said_to_someone_who_then_gives_an_adult_age_is_no_grooming() -> None:
    # "age is just a number" reads as a cue about the listener's youth until the listener
    # says they are an adult; then the dinner invitation is a date, not a meeting with a minor
    assessment = DET.analyze(_dating_chat("its fine. i'm 34 not 12, i can handle a 41 yr old"))
    assert assessment.first_alert_at is None


def test_age_is_just_a_number_said_to_a_minor_still_alerts_at_the_meeting() -> None:
    assessment = DET.analyze(_dating_chat("lol idk im only 14 tho"))
    assert assessment.first_alert_at == 6
    assert assessment.category == "grooming"


@pytest.mark.parametrize(
    "lines",
    [
        # friends and siblings "threatening" to post a silly photo for a snack or a charger
        [
            ("mia", "why did u take this pic of me asleep on the bus"),
            ("grace", "it's going on the class gc unless u buy me a greggs"),
        ],
        [
            ("emma", "SUPPRIME cette photo de moi en train de dormir en perm"),
            (
                "lina",
                "mdrrr nn elle est trop drôle, jla mets en story sauf si tu me payes un tacos",
            ),
        ],
        [
            ("anh", "tra sac cho tao ngay"),
            ("be", "ko, e dang xai"),
            ("anh", "ko tra thi t dang anh m ngu ha mom len nhom lop m"),
        ],
    ],
)
def test_a_mock_threat_over_a_snack_or_a_charger_is_not_sextortion(
    lines: list[tuple[str, str]],
) -> None:
    assert DET.analyze(_chat(*lines)).first_alert_at is None


@pytest.mark.parametrize(
    "text",
    [
        "send $300 in gift cards or this pic goes to every1 on ur followers list",
        "tu m'envoies 200€ sinon j'envoie tes photos à tous tes contacts",
        "ko chuyen 5 trieu thi t dang anh nong cua m len nhom lop",
    ],
)
def test_a_real_sextortion_threat_still_alerts(text: str) -> None:
    assert DET.analyze_text(text).level in HIGH


def test_a_student_asking_whether_a_scholarship_has_a_fee_is_no_fraud() -> None:
    conv = _chat(
        ("thay", "Các em có học bổng nộp bản photo căn cước cho thầy trước thứ 6."),
        ("lan", "Dạ thầy, học bổng có phải đóng phí hồ sơ không ạ"),
        lang="vi",
    )
    assert DET.analyze(conv).first_alert_at is None


def test_a_young_person_who_tells_of_orders_and_passes_them_on_is_under_control() -> None:
    # the student relays the fake police's orders to a friend (an accusation and a room alone:
    # two families of the script, categories.yaml controlled_account), then tells the friends
    # not to call: someone controls them, and what they told of counts in full
    conv = _chat(
        ("ngoc", "sn con Ha thu 7 nay, chot dia diem di"),
        ("manh", "ho noi t dinh vao 1 vu an, ho bat t ra thue 1 phong nghi rieng o 1 minh"),
        ("ngoc", "sao v, co j ko"),
        ("manh", "ae dung ib hay goi t nhe"),
        child="manh",
        lang="vi",
    )
    assessment = DET.analyze(conv)
    assert assessment.first_alert_at == 1
    assert assessment.category == "online_kidnapping"
    # the order told of alone (one family) waits for the no-calls passed on
    alone = _chat(
        *(
            (f, t.replace(", ho bat t ra thue 1 phong nghi rieng o 1 minh", ""))
            for f, t in (
                ("ngoc", "sn con Ha thu 7 nay, chot dia diem di"),
                ("manh", "ho noi t dinh vao 1 vu an, ho bat t ra thue 1 phong nghi rieng o 1 minh"),
            )
        ),
        child="manh",
        lang="vi",
    )
    assert DET.analyze(alone).first_alert_at is None


def test_a_young_person_who_only_retells_a_scam_call_raises_no_alarm() -> None:
    # Told as yesterday's call (frames: retelling). Told bare, "họ nói t dính vào 1 vụ án, họ
    # bắt t ra thuê 1 phòng nghỉ riêng" is someone controlling them now (controlled_account):
    # the hang-up that comes after cannot undo an alert already raised.
    conv = _chat(
        ("ngoc", "hom qua sao m ko di hoc"),
        ("manh", "hqua t bi 1 thang goi, ho noi t dinh vao 1 vu an, bat t ra thue phong o 1 minh"),
        ("ngoc", "lua dao do"),
        ("manh", "uh t cup may r, chan so luon"),
        child="manh",
        lang="vi",
    )
    assert DET.analyze(conv).first_alert_at is None


def test_a_child_who_cuts_contact_and_then_asks_for_money_is_passing_on_orders() -> None:
    lines = [
        ("me", "Tối nay con về ăn cơm không?"),
        ("khoa", "Con có việc gấp, mẹ đừng gọi cho con nhé, con không nghe được đâu"),
        ("me", "Việc gì thế con?"),
        (
            "khoa",
            "Mẹ chuyển giúp con 45 triệu vào tài khoản này được không, Vietcombank 0451000123456",
        ),
    ]
    assert DET.analyze(_chat(*lines, child="khoa", lang="vi")).first_alert_at == 3
    # the same request for money without the cut contact is a child's own words
    alone = [lines[0], lines[2], lines[3]]
    assert DET.analyze(_chat(*alone, child="khoa", lang="vi")).first_alert_at is None


def test_a_sibling_joking_about_ransom_is_family_not_a_kidnapper() -> None:
    ransom = ("tu", "Tao bắt cóc mày rồi. Muốn an toàn thì chuẩn bị tiền chuộc 😈")
    sibling = _chat(("tu", "bố bận họp, tao qua đón mày"), ("na", "ok anh"), ransom, child="na")
    stranger = _chat(("tu", "ra cổng trường đi, tao qua đón mày"), ("na", "ok"), ransom, child="na")
    assert DET.analyze(sibling).first_alert_at is None
    assert DET.analyze(stranger).first_alert_at == 2


def test_an_adult_who_gives_his_age_to_a_minor_talks_across_an_age_gap() -> None:
    def chat(*adult_age: str) -> dict[str, Any]:
        lines = [("sk8", "asl?"), ("kay", "13 f ohio u"), *(("sk8", a) for a in adult_age)]
        return _chat(*lines, ("kay", "oh cool"), ("sk8", "u home alone rn?"), child="kay")

    assert DET.analyze(chat("24 m indy lol not that far")).level in HIGH
    assert DET.analyze(chat("lol not that far")).level not in HIGH


def test_an_age_cue_inside_quotation_marks_is_someone_elses() -> None:
    quoted = DET.analyzer.analyze(
        'they posted the messages. he would say stuff like "ur so mature for ur age" and more'
    )
    assert not quoted.age_gap and not quoted.minor
    assert DET.analyzer.analyze("ur so mature for ur age").age_gap


def test_a_chat_that_opens_with_dad_can_u_pick_me_up_names_the_one_who_answers() -> None:
    def chat(opening: str) -> dict[str, Any]:
        return _chat(
            ("kid", opening),
            ("u9", "ok. is ur mom home or still at grandmas?"),
            ("kid", "grandmas i think"),
            ("u9", "ill come pick u up, wait inside. send me a pic of the form"),
            ("u9", "and dont tell jack we r getting pizza, our secret"),
            child="kid",
        )

    assert DET.analyze(chat("dad can u pick me up from practice")).level not in HIGH
    assert DET.analyze(chat("can u pick me up from practice")).level in HIGH


def test_a_brother_who_speaks_of_mom_as_his_own_is_family() -> None:
    def chat(opening: str, secret: str) -> dict[str, Any]:
        return _chat(
            ("al", opening),
            ("em", "omg no"),
            ("al", "send me a pic of this jake so i can judge"),
            ("em", "no"),
            ("al", secret),
            child="em",
        )

    brother = chat("heard from mom u have a boyfriend", "dont tell mom but im coming home sat")
    stranger = chat("heard u have a boyfriend", "dont tell ur mom but im coming over sat")
    assert DET.analyze(brother).level not in HIGH
    assert DET.analyze(stranger).level in HIGH


def test_a_young_person_retelling_what_he_said_is_not_demanding_secrecy() -> None:
    told = DET.analyzer.analyze("i did. he also said dont tell ne1 we talked")
    said = DET.analyzer.analyze("dont tell ne1 we talked")
    assert all("reported_speech" in h.modifiers for h in told.hits)
    assert [h.modifiers for h in said.hits] == [()]


def test_a_grandparent_thanked_is_family_but_meme_without_accents_is_not_a_grandmother() -> None:
    for text in ("thank u grandma!!", "merci mamie !", "cháu cảm ơn bà ngoại ạ"):
        assert DET.analyzer.analyze(text).calls_parent, text
    # "même" typed without accents reads "meme" (also "mémé"): a kidnapper's victim asking
    # "d'accord. meme a mes parents ?" does not make the fake officer a grandparent
    assert not DET.analyzer.analyze("d'accord. meme a mes parents ?").calls_parent


class _FixedReading:
    """A learned stage that reads every speaker at one calibrated probability."""

    def __init__(self, p: float) -> None:
        self.p = p

    def message_probability(self, folded: str) -> float:
        return self.p

    def new_aggregate(self) -> Any:
        stage = self

        class _Agg:
            def update(self, _: float) -> float:
                return stage.p

        return _Agg()

    def message_category(self, folded: str) -> str:
        return "grooming"


def _home_alone_probe(reading: float, sender: str = "jim_4f") -> ConversationState:
    state = DET.new_conversation(child="kid")
    state._learned = _FixedReading(reading)  # type: ignore[assignment]
    for who, text in [
        (sender, "hey whats up, how was the game today, did ur team win it this time"),
        ("kid", "nm. mom works nights on weds"),
        (sender, "so ur all alone wed nites?"),
    ]:
        state.observe(Message(who, text))
    return state


def test_one_casual_probe_alerts_when_the_model_reads_the_speaker_as_a_predator() -> None:
    assert _home_alone_probe(0.3).first_alert_at == 2
    assert _home_alone_probe(0.3).assessment.category == "grooming"
    assert _home_alone_probe(0.02).first_alert_at is None  # an ordinary reading: no alert
    assert _home_alone_probe(0.3, sender="Mom").first_alert_at is None  # a parent asks too


def test_the_models_reading_of_a_few_words_is_no_reading() -> None:
    # the same probe from a speaker who wrote too few words for the model's reading to count
    state = DET.new_conversation(child="kid")
    state._learned = _FixedReading(0.3)  # type: ignore[assignment]
    for who, text in [("jim_4f", "hey"), ("kid", "hi"), ("jim_4f", "so ur all alone wed nites?")]:
        state.observe(Message(who, text))
    assert state.first_alert_at is None


def test_the_models_reading_crossing_the_rules_threshold_rescores_the_speaker() -> None:
    # the probe came first, with an ordinary reading; the reading rises later: the rule now
    # fires without any new tactic evidence
    state = _home_alone_probe(0.02)
    assert state.first_alert_at is None
    stage = state._learned
    assert isinstance(stage, _FixedReading)
    stage.p = 0.4
    state.observe(Message("jim_4f", "lol"))
    assert state.first_alert_at == 3


@pytest.mark.parametrize(
    "text",
    [
        # a negated list: the negator reaches past "hay" (dev46 vi)
        "Lưu ý: công an KHÔNG gửi link cài ứng dụng, KHÔNG yêu cầu chuyển tiền hay cung cấp "
        "mật khẩu ngân hàng qua Zalo.",
        # the bank's own short number, not a callback scam's (dev46 fr)
        "BNP Paribas : code 582193 pour valider l'ajout du bénéficiaire LOUVET ANNE. Ne le "
        "communiquez jamais, même à un conseiller BNP Paribas. Si vous n'êtes pas à l'origine de "
        "cette demande, appelez le 3477.",
    ],
)
def test_official_warnings_and_codes_stay_below_high(text: str) -> None:
    assert DET.new_conversation().add(Message("x", text)).level in ("none", "low", "medium")


def test_a_callback_to_a_full_number_is_still_phishing() -> None:
    text = (
        "Si vous n'êtes pas à l'origine de cette opération, contactez immédiatement le service "
        "fraude au 09 70 55 12 34."
    )
    assert any(
        e.tactic == "phishing_link" for e in DET.new_conversation().add(Message("x", text)).evidence
    )


def test_a_teachers_new_number_alone_is_no_alert_but_money_to_a_new_account_is() -> None:
    notice = "Cô Hoa đây, cô bị mất điện thoại nên dùng số mới này, các em lưu lại nhé"
    state = DET.new_conversation(child="em")
    assert state.add(Message("0797342681", notice)).level in ("none", "low", "medium")
    state.add(Message("em", "dạ vâng ạ"))
    demand = "Em nhắn bố mẹ chuyển giúp cô tiền quỹ lớp 650k vào stk mới của cô: 0797342681"
    assert state.add(Message("0797342681", demand)).level in ("high", "critical")


@pytest.mark.parametrize("naming", ["c'est tata Sophie", "c est tata Sophie", "cest tata Sophie"])
def test_an_aunt_who_names_herself_is_family_but_her_hijacked_account_still_asks_fraud(
    naming: str,
) -> None:
    # family voice keeps grooming rules off "c'est tata Sophie ! Tes parents sont à la maison ?",
    # however the apostrophe is typed
    visit = {
        "id": "t",
        "child": "lina",
        "messages": [
            {
                "from": "tata_sophie",
                "text": f"Coucou ma chérie {naming} ! Tes parents sont à la maison ? Je "
                "passe déposer le gâteau pour l'anniv de mamie",
            },
            {"from": "lina", "text": "coucou tata ! non ils sont partis faire les courses"},
            {"from": "tata_sophie", "text": "Ah t'es toute seule alors ? Je passe quand même"},
        ],
    }
    assert _analyze(visit)["first_alert_at"] is None
    # ... but the same words do not excuse a money request: fraud is not a family-only category
    scam = "hi its aunt jess, new number! can u send me $200 on cashapp asap, my card is blocked"
    assert DET.new_conversation().add(Message("x", scam)).category == "fraud"


def _ransom_from_childs_phone(listener: str, price: str = "500 triệu") -> dict[str, Any]:
    ransom = (
        f"Con gái ông bà đang trong tay bọn tao. Chuyển {price} trước 6h tối, ko thì đừng mong "
        "gặp lại nó"
    )
    return _chat(
        (listener, "Lan ơi nghe máy đi con"),
        ("lan", "Bố mẹ cứu con"),
        ("lan", ransom),
        child="lan",
        lang="vi",
    )


def test_a_ransom_from_the_childs_phone_to_a_parent_is_the_captors() -> None:
    # categories.yaml captor_voice: the captor writes from the phone they took
    result = _analyze(_ransom_from_childs_phone("Mẹ"))
    assert result["first_alert_at"] == 2 and result["category"] == "online_kidnapping"
    # to a friend, with a price no captor asks, the same words are a joke: the child's words
    # weigh little
    assert _analyze(_ransom_from_childs_phone("thao", "1 ly trà sữa"))["first_alert_at"] is None
    assert _analyze(_ransom_from_childs_phone("thao", "500k"))["first_alert_at"] is None


def test_a_ransom_from_the_childs_phone_naming_a_captors_price_is_the_captors() -> None:
    # categories.yaml captor_sum: 500 million VND is no joke, whoever the account writes to
    result = _analyze(_ransom_from_childs_phone("thao"))
    assert result["first_alert_at"] == 2 and result["category"] == "online_kidnapping"


def test_a_brandname_sender_that_demands_a_transfer_to_an_account_is_spoofed() -> None:
    # analyzer._NEVER_ASKED_BY_OFFICIALS: genuine bills name the channel, not an account
    fee = (
        "Bưu điện VN: Bưu gửi quốc tế EE62xxxx19VN của bạn đang bị giữ tại Hải quan do thiếu phí "
        "thông quan 780.000đ. Vui lòng chuyển khoản vào STK 0451000123 (PHAM VAN LOC) trong hôm "
        "nay để được phát."
    )
    assert DET.new_conversation().add(Message("VNPost", fee)).level in ("high", "critical")
    # ... while the ministry's own notice that says it never asks for one stays quiet
    notice = (
        "Bo GD&DT: Thi sinh dang ky nguyen vong xet tuyen DH tren He thong tu 18/7 den 30/7. Bo "
        "khong nhan tin yeu cau chuyen khoan vao tai khoan ca nhan."
    )
    assert DET.new_conversation().add(Message("Bo GD&DT", notice)).level in ("none", "low")


def _older_teen(says: str, answer: str) -> dict[str, Any]:
    return _chat(
        ("kylian", "merci mdr t'as quel age"),
        ("nightvx", says),
        ("kylian", answer),
        ("nightvx", "envoie moi une photo de toi ce soir, dis pas que c moi"),
        child="kylian",
        lang="fr",
    )


def test_an_older_teen_to_a_young_child_is_no_peer() -> None:
    # conversation.OLDER_TEEN / YOUNG_CHILD: "16" to "12 presque 13" talks across a gap
    assert _analyze(_older_teen("moi j'ai 16 ans et toi", "12 presque 13"))["first_alert_at"] == 3
    # ... while close ages stay peers: a 15- and a 14-year-old swapping pictures
    peers = _older_teen("moi j'ai 15 ans et toi", "14 bientot 15")
    assert _analyze(peers)["first_alert_at"] is None


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("nice moi jfais du basket, j'ai 16 ans", 16),
        ("omg im 14 too", 14),
        ("12 presque 13", 12),
        ("15", 15),
        ("i have 16 tabs open", None),  # a number, not an age the speaker gives
        ("ur 15 right", None),  # the listener's age, not the speaker's
    ],
)
def test_the_age_a_speaker_gives_as_their_own(text: str, age: int | None) -> None:
    assert DET.analyzer.analyze(text).stated_age == age


def _told_to_a_friend(opening: str, orders: str) -> dict[str, Any]:
    return _chat(
        ("linh", opening), ("trang", "goi lam j vay"), ("linh", orders), child="linh", lang="vi"
    )


def test_a_young_person_who_tells_of_the_script_as_happening_now_is_under_control() -> None:
    # conversation._SCRIPT_ORDERS: two orders aimed at them, one of which takes them away
    orders = (
        "ho bao cccd cua t bi dung mo tk ngan hang cho 1 duong day, gio t phai hop tac. ho bat t "
        "ra thue 1 phong nghi rieng, tat dinh vi, ko dc noi voi ai ke ca bo me"
    )
    now = _analyze(_told_to_a_friend("t co chuyen nay, m dung noi ai nha", orders))
    assert now["first_alert_at"] == 2 and now["category"] == "online_kidnapping"
    # ... while yesterday's call from someone who "xưng công an", told as a story, is not
    story = orders.replace("gio t phai hop tac. ", "")
    past = _told_to_a_friend("hom qua t bi 1 thang goi tu xung cong an =))", story)
    assert _analyze(past)["first_alert_at"] is None


def test_a_young_persons_account_of_being_controlled_alerts() -> None:
    # categories.yaml controlled_account: what the student passes on and what they tell of,
    # across messages, to a roommate who never hears from the "officers" themselves
    controlled = _chat(
        ("ha", "10h đêm r m xách balo đi đâu đấy"),
        ("linh", "t có việc, m đừng hỏi nhé"),
        ("ha", "việc gì mà phải đi giờ này"),
        ("linh", "họ bảo t phải ở chỗ riêng để làm việc qua video, t dính vào vụ rửa tiền"),
        ("ha", "họ là ai??"),
        ("linh", "m đừng nói với ai nhé, kể cả bố mẹ t"),
        child="linh",
        lang="vi",
    )
    result = _analyze(controlled)
    assert result["first_alert_at"] is not None and result["category"] == "online_kidnapping"
    # ... a trip where the company booked a room and the phone's location is off for the
    # battery shows no one telling them what to do
    trip = _chat(
        ("nhung", "m oi t duoc cong ty cu di thuc te o Quy Nhon 1 tuan"),
        ("ngan", "wow sang ghe"),
        ("nhung", "cong ty dat khach san, t o 1 minh 1 phong"),
        ("ngan", "nho share vi tri cho bo me nhe"),
        ("nhung", "t share r, ma cai app chay bo ton pin qua, t tat dinh vi cua no thoi"),
        child="nhung",
        lang="vi",
    )
    assert _analyze(trip)["first_alert_at"] is None


def test_a_call_retold_by_its_rank_or_as_a_scam_is_a_story() -> None:
    # frames: retelling ("xưng là thiếu tá", "t cúp máy"): the same orders, told of as a call
    # the student saw through, are no one controlling them
    story = _chat(
        ("my", "ê hqua t bị gọi lừa y như mấy vụ trên báo luôn á"),
        ("thu", "sao sao kể đi"),
        ("my", "1 ông xưng là thiếu tá công an quận, bảo t liên quan đường dây rửa tiền"),
        ("my", "xong bảo t ko dc nói vs ai, ra khách sạn thuê phòng 1 mình để làm việc trực tuyến"),
        ("thu", "vãi, r m làm j"),
        ("my", "t cúp máy luôn, báo mẹ r"),
        child="my",
        lang="vi",
    )
    assert _analyze(story)["first_alert_at"] is None


def test_orders_told_all_at_once_after_the_call_was_seen_through_are_its_story() -> None:
    # frames: saw_through ("t dính cuộc gọi lừa đảo"): even the whole script in one message,
    # which alone reads as a young person passing on orders, is the story of a refused call
    seen_through = _chat(
        ("an", "m ơi sáng nay t dính cuộc gọi lừa đảo y như cô nói luôn"),
        ("binh", "hả kể nghe"),
        (
            "an",
            "xong bảo t phải thuê phòng nhà nghỉ ở 1 mình, tắt định vị, ko dc nói vs ai kể cả bố "
            "mẹ, rồi chuyển hết tiền vào tài khoản tạm giữ",
        ),
        child="an",
        lang="vi",
    )
    assert _analyze(seen_through)["first_alert_at"] is None
    # ... while the same message from a student who said nothing of the kind is control
    controlled = dict(seen_through, messages=seen_through["messages"][2:])
    assert _analyze(controlled)["first_alert_at"] == 0


def test_an_english_call_retold_as_the_weirdest_call_is_a_story() -> None:
    # frames: retelling ("a recorded message saying it was the Chinese embassy"): the accusation
    # and the secrecy that follow are the call's, told before the student says they hung up
    story = _chat(
        (
            "amy",
            "omg I just got the weirdest call. recorded message saying it was the Chinese embassy",
        ),
        ("jo", "lol what"),
        (
            "amy",
            "then a 'police officer' came on and said I'm a suspect in a money laundering case, "
            "I mustn't tell anyone",
        ),
        child="amy",
        lang="en",
    )
    assert _analyze(story)["first_alert_at"] is None


@pytest.mark.parametrize(
    "notice",
    [
        # frames: benign_context (detention, "en colle", "giữ lại lớp")
        "con chị bị giữ lại lớp vì chưa làm bài, 5h mới về",
        "votre fils est retenu en colle ce soir jusqu'à 18h",
        "your daughter was detained after class to finish her test",
        # ransom_demand: "with us", "held", "detained", "retenue" followed by where or when
        "your son is with us at the museum, the bus is running 30 min late",
        "Your child has been detained at the border crossing pending document checks",
        "Bonjour, votre fille a été retenue à l'infirmerie suite à une chute, rien de grave",
    ],
)
def test_a_child_kept_somewhere_by_a_school_or_an_office_is_no_hostage(notice: str) -> None:
    assert DET.new_conversation().add(Message("teacher", notice)).level not in HIGH


@pytest.mark.parametrize(
    "ransom",
    [
        "votre fils est retenu chez nous, virez 20000€ ou vous ne le reverrez plus",
        "your son is with us. pay 5000 usd",
    ],
)
def test_the_captors_words_beside_those_notices_still_alert(ransom: str) -> None:
    assert DET.new_conversation().add(Message("x", ransom)).level in HIGH


def test_one_youth_cue_of_the_listener_makes_a_confident_picture_request_grooming() -> None:
    """A segment often shows only one cue of the young person's day (the age was given
    before the window): enough for a confident picture request, not for the weak rules."""

    def verdict(lines: list[tuple[str, str]]) -> tuple[str | None, int | None]:
        conv = DET.new_conversation()
        for sender, text in lines:
            conv.observe(Message(sender, text))
        return conv.assessment.category, conv.first_alert_at

    ask = ("x", "send me a pic after ur shower")
    assert verdict([("k", "lol my mom made me clean the whole kitchen"), ask]) == ("grooming", 1)
    # no cue of a young person's day; the cue is the asker's own; the listener is an adult
    assert verdict([("k", "lol i had to clean the whole kitchen"), ask])[1] is None
    assert verdict([("x", "lol my mom made me clean the whole kitchen"), ask])[1] is None
    adult = [("k", "lol my mom made me clean the whole kitchen"), ("k", "im 27 btw"), ask]
    assert verdict(adult)[1] is None


def test_one_who_tells_of_their_own_young_life_is_a_peer_not_a_groomer() -> None:
    """'my mom says get off' is the speaker's own youth: their kissing question to a
    classmate is not grooming; the same question to one who says it still is."""
    talk = [
        ("a", "did u do the science worksheet"),
        ("b", "no lol"),
        ("a", "have u ever kissed anyone"),
        ("b", "no have u"),
        ("a", "no lol maybe at the game tho"),
    ]

    def first_alert(lines: list[tuple[str, str]]) -> int | None:
        conv = DET.new_conversation()
        for sender, text in lines:
            conv.observe(Message(sender, text))
        return conv.first_alert_at

    assert first_alert([*talk, ("a", "ok gotta go my mom says get off")]) is None
    assert first_alert([*talk, ("b", "ok gotta go my mom says get off")]) == 5
