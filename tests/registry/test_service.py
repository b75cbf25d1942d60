"""Registry service: lookups, reports (once per reporter, weights), moderation, disputes, the
detector's lookup interface, and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notalone.detect.indicators import (
    IndicatorError,
    IndicatorLookup,
    extract_indicators,
    lookup_all,
)
from notalone.registry import service as reg
from notalone.registry.lookup import DatabaseIndicatorLookup
from notalone.registry.models import IndicatorStatusChange
from notalone.server.audit import verify_chain
from notalone.server.models import AuditEvent

ANON_A = reg.Reporter("a" * 64, "anonymous", None, reg.WEIGHT_NEW_ANONYMOUS)
ANON_B = reg.Reporter("b" * 64, "anonymous", None, reg.WEIGHT_NEW_ANONYMOUS)


def _user(db: Session, key: str = "c" * 64) -> reg.Reporter:
    from notalone.server.models import User

    user = User(email=f"{key[:8]}@example.test")
    db.add(user)
    db.flush()
    return reg.Reporter(key, "user", user.id, reg.WEIGHT_USER)


@pytest.mark.parametrize(
    "value", ["0912 345 678", "+84912345678", "84-912-345-678", "tel:0912345678"]
)
def test_phone_spellings_are_one_key(value: str) -> None:
    assert reg.key_of(value) == ("phone", "+84912345678")


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("vcb-ekyc[.]top/login", ("url", "https://vcb-ekyc.top/login")),
        ("momo - xacthuc . vip", ("domain", "momo-xacthuc.vip")),
        ("paypal-secure (dot) com", ("domain", "paypal-secure.com")),
    ],
)
def test_a_link_pasted_with_its_dots_hidden_is_the_link(value: str, key: tuple[str, str]) -> None:
    assert reg.key_of(value) == key
    assert reg.key_of(value, key[0]) == key


def test_a_link_pasted_with_its_dots_hidden_is_held_to_the_key_length() -> None:
    with pytest.raises(IndicatorError, match="longer than"):
        reg.key_of("vcb-ekyc[.]top/" + "ệ" * 470)


@pytest.mark.parametrize(
    ("value", "kind", "reason"),
    [
        ("12", "phone", "digits"),
        ("", None, "empty"),
        ("not a thing at all", None, "cannot tell"),
        ("50000 VND", None, "money"),
        ("http://exa mple", "url", "host"),
        ("x" * 5000, None, "longer"),
    ],
)
def test_bad_values_are_refused_with_a_reason(value: str, kind: str | None, reason: str) -> None:
    with pytest.raises(IndicatorError, match=reason):
        reg.key_of(value, kind)


def test_unknown_value_answers_unknown_with_advice(db: Session) -> None:
    answer = reg.lookup(db, "phone", "+84912345678")
    assert (answer.status, answer.reporters, answer.first_seen) == ("unknown", 0, None)
    assert answer.advice


@pytest.mark.parametrize("value", ["https://t.me/vieclam_vip88", "zalo.me/g/abcxyz", "t.me"])
def test_a_platform_where_anyone_publishes_is_not_trusted_on_its_name(
    db: Session, value: str
) -> None:
    answer = reg.lookup(db, *reg.key_of(value))
    assert answer.status == "unknown" and answer.official is None
    assert [w.type for w in answer.warnings] == ["user_content"]


def test_official_domains_and_emergency_numbers_are_trusted(db: Session) -> None:
    assert reg.lookup(db, *reg.key_of("https://www.vietcombank.com.vn/login")).status == "trusted"
    answer = reg.lookup(db, *reg.key_of("113"))
    assert (answer.status, answer.official) == ("trusted", "emergency:113")


def test_lookalike_domains_and_handles_carry_a_warning(db: Session) -> None:
    answer = reg.lookup(db, *reg.key_of("vietcombank-xacminh.top"), lang="en")
    assert answer.status == "unknown"
    assert [(w.type, w.brand) for w in answer.warnings] == [("lookalike", "vietcombank")]
    assert answer.advice.startswith("This name imitates")
    handle = reg.lookup(db, *reg.key_of("telegram:@vietcombank_hotro"))
    assert [w.brand for w in handle.warnings] == ["vietcombank"]


def test_one_anonymous_report_does_not_list_a_number(db: Session) -> None:
    key = reg.key_of("0912345678")
    outcome = reg.report(db, *key, reporter=ANON_A, category="fraud")
    assert outcome.counted
    assert (outcome.answer.status, outcome.answer.reporters) == ("unknown", 1)
    again = reg.report(db, *key, reporter=ANON_A, category="fraud")
    assert not again.counted and again.answer.reporters == 1
    reg.report(db, *key, reporter=ANON_B, category="sextortion")
    assert reg.lookup(db, *key).reporters == 2
    assert reg.lookup(db, *key).status == "unknown"  # 0.25 + 0.25 < 1
    answer = reg.report(db, *key, reporter=_user(db), category="fraud").answer
    assert (answer.status, answer.reporters) == ("reported", 3)
    assert answer.categories == ("fraud", "sextortion")
    assert answer.first_seen is not None and answer.last_seen is not None


def test_anonymous_sources_weigh_more_once_they_have_a_history(db: Session) -> None:
    import datetime as dt

    from notalone.registry.models import IndicatorReport

    assert reg.reporter_weight(db, "z" * 64, signed_in=False, verified=False) == 0.25
    reg.report(db, *reg.key_of("0912345670"), reporter=ANON_A, category="fraud")
    for row in db.execute(select(IndicatorReport)).scalars():
        row.created_at = row.created_at - dt.timedelta(days=30)
    db.flush()
    assert reg.reporter_weight(db, ANON_A.key, signed_in=False, verified=False) == 0.5
    assert reg.reporter_weight(db, "u" * 64, signed_in=True, verified=False) == 0.5
    assert reg.reporter_weight(db, "u" * 64, signed_in=True, verified=True) == 1.0


def test_answers_never_carry_reporter_identities(db: Session) -> None:
    reporter = _user(db, "secretkey" + "0" * 55)
    answer = reg.report(db, "phone", "+84912345671", reporter=reporter, category="fraud").answer
    text = str(answer.to_dict())
    assert "secretkey" not in text and "example.test" not in text and "user_id" not in text


def test_moderation_is_recorded_with_reason_and_audited(db: Session) -> None:
    indicator, created = reg.get_or_create(db, "phone", "+84912345672")
    assert created
    reg.set_status(
        db, indicator, "confirmed_scam", reason="case 42", actor_user_id=None, is_admin=False
    )
    assert reg.lookup(db, "phone", "+84912345672").status == "confirmed_scam"
    with pytest.raises(reg.RegistryError, match="one of"):
        reg.set_status(db, indicator, "trusted", reason="x", actor_user_id=None, is_admin=False)
    with pytest.raises(reg.RegistryError, match="reason"):
        reg.set_status(db, indicator, "cleared", reason=" ", actor_user_id=None, is_admin=False)
    reg.set_status(
        db, indicator, "trusted", reason="bank hotline", actor_user_id=None, is_admin=True
    )
    history = db.execute(
        select(IndicatorStatusChange.from_status, IndicatorStatusChange.to_status)
        .where(IndicatorStatusChange.indicator_id == indicator.id)
        .order_by(IndicatorStatusChange.id)
    ).all()
    assert [tuple(h) for h in history] == [
        ("reported", "confirmed_scam"),
        ("confirmed_scam", "trusted"),
    ]
    actions = db.execute(select(AuditEvent.action, AuditEvent.details)).all()
    assert [a for a, _ in actions][-2:] == ["indicator.status", "indicator.status"]
    assert actions[-1][1]["reason"] == "bank hotline"
    assert verify_chain(db).ok


def test_owner_dispute_waits_for_an_investigator(db: Session) -> None:
    key = ("bank_account", reg.key_of("VCB:0123456789")[1])
    user = _user(db)
    reg.report(db, *key, reporter=user, category="fraud")
    with pytest.raises(reg.NotFound):
        reg.file_dispute(db, "phone", "+84900000000", statement="mine", user_id=None)
    dispute = reg.file_dispute(db, *key, statement="This is my salary account", user_id=None)
    answer = reg.lookup(db, *key)
    assert (answer.status, answer.dispute_open) == ("reported", True)
    reg.resolve_dispute(
        db, dispute, accept=True, reason="checked with the bank", actor_user_id=None
    )
    answer = reg.lookup(db, *key)
    assert (answer.status, answer.dispute_open) == ("cleared", False)
    with pytest.raises(reg.RegistryError, match="already"):
        reg.resolve_dispute(db, dispute, accept=False, reason="x", actor_user_id=None)


def test_batch_lookup_answers_in_order(db: Session) -> None:
    reg.report(db, "phone", "+84912345673", reporter=_user(db), category="fraud")
    keys = [("phone", "+84912345673"), ("domain", "example.com"), ("phone", "+84912345673")]
    answers = reg.lookup_many(db, keys)
    assert [a.status for a in answers] == ["reported", "unknown", "reported"]


def test_the_detector_consults_the_registry(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    lookup = DatabaseIndicatorLookup(session_factory, ttl=0)
    assert isinstance(lookup, IndicatorLookup)
    indicator, _ = reg.get_or_create(db, "phone", "+84912345674")
    reg.set_status(
        db, indicator, "confirmed_scam", reason="case 7", actor_user_id=None, is_admin=False
    )
    db.commit()
    text = "Gọi ngay sđt 0912 345 674 nhé. Trang: https://vietcombank.com.vn"
    hits = lookup_all(extract_indicators(text), lookup)
    verdicts = {ind.normalized: v.status for ind, v in hits}
    assert verdicts.get("+84912345674") == "confirmed_scam"
    assert "trusted" in verdicts.values()
    assert lookup.lookup("phone", "+84900000001") is None


def test_a_confirmed_number_makes_the_detector_alert(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    from notalone.detect import Detector

    indicator, _ = reg.get_or_create(db, "phone", "+84912345673")
    reg.set_status(
        db, indicator, "confirmed_scam", reason="case 8", actor_user_id=None, is_admin=False
    )
    db.commit()
    text = "Em gọi lại cho chị qua số 0912 345 673 nhé"
    plain = Detector.default().analyze_text(text)
    checked = Detector.default().with_lookup(DatabaseIndicatorLookup(session_factory, ttl=0))
    result = checked.analyze_text(text)
    assert plain.level not in ("high", "critical")
    assert result.level in ("high", "critical")
    assert any(e.tactic == "reported_indicator" for e in result.evidence)


def test_the_fast_lookup_answers_like_the_session_lookup(db: Session) -> None:
    key = ("phone", "+84912345675")
    reg.report(db, *key, reporter=_user(db), category="fraud")
    reg.file_dispute(db, *key, statement="mine", user_id=None)
    db.flush()
    bind = db.connection()
    for k in (key, ("phone", "+84900000002"), ("domain", "vietcombank.com.vn")):
        assert reg.fast_lookup(bind, *k) == reg.lookup(db, *k)
    assert reg.fast_lookup(bind, *key).dispute_open
