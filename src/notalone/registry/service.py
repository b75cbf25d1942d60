"""The registry's service layer: lookups, reports, moderation and disputes.

Every function takes a SQLAlchemy ``Session`` and leaves the commit to the caller (one
transaction per request); every change appends to the service's audit log in that transaction.
Values are normalised with :func:`notalone.detect.indicators.normalize`, the one normaliser the
detector and the imports use too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, exists, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notalone.detect.indicators import (
    KINDS,
    IndicatorError,
    assess_domain,
    detect_kind,
    extract_indicators,
    normalize,
)
from notalone.detect.indicators.phones import emergency_numbers
from notalone.server import audit
from notalone.server.models import utcnow

from .models import (
    MAX_NORMALIZED,
    IndicatorDispute,
    IndicatorReport,
    IndicatorStatusChange,
    RegistryIndicator,
)

LOOKUP_KINDS: Final = tuple(k for k in KINDS if k != "money")
"""Kinds the registry keeps (amounts of money are evidence in detection, not indicators)."""

REPORT_CATEGORIES: Final = (
    "online_kidnapping",
    "sextortion",
    "grooming",
    "fraud",
    "phishing",
    "impersonation",
    "investment_scam",
    "job_scam",
    "gambling",
    "malware",
    "other",
)

LISTED_WEIGHT: Final = 1.0
"""Weight of reports an indicator needs before lookups call it ``reported``: one verified
account or import source, or several anonymous people (one anonymous report alone is not
enough to brand somebody's number)."""

WEIGHT_USER: Final = 1.0
WEIGHT_NEW_USER: Final = 0.5
WEIGHT_ANONYMOUS: Final = 0.5
WEIGHT_NEW_ANONYMOUS: Final = 0.25
WEIGHT_IMPORT: Final = 1.0
NEW_REPORTER_DAYS: Final = 7

MODERATOR_STATUSES: Final = ("reported", "confirmed_scam", "disputed", "cleared")
ADMIN_STATUSES: Final = (*MODERATOR_STATUSES, "trusted")


class RegistryError(ValueError):
    """A request the registry refuses; the message says why (safe to show)."""


class NotFound(RegistryError):
    pass


# --- keys ----------------------------------------------------------------------------------


def _refanged(text: str) -> tuple[str, str] | None:
    """A link pasted as it was written to dodge link detection ("vcb-ekyc[.]top/login",
    "momo - xacthuc . vip"): the key of the link it stands for."""
    if not any(c in text for c in "[( ") or len(text) > 500:
        return None
    whole = [
        i
        for i in extract_indicators(text)
        if i.kind in ("url", "domain")
        and i.attrs.get("defanged")
        and (i.start, i.end) == (0, len(text))
    ]
    whole.sort(key=lambda i: i.kind != "url")  # the whole link, path included, first
    return (whole[0].kind, whole[0].normalized) if whole else None


def key_of(value: str, kind: str | None = None) -> tuple[str, str]:
    """``(kind, normalized)`` of a value; the kind is detected when not given.

    Raises :class:`IndicatorError` with the reason when the value cannot be normalised.
    """
    if not isinstance(value, str):
        raise IndicatorError("value must be a string")
    text = value.strip()
    if not text:
        raise IndicatorError("empty value")
    if len(text) > 4 * MAX_NORMALIZED:
        raise IndicatorError(f"value longer than {4 * MAX_NORMALIZED} characters")
    refanged = _refanged(text) if kind in (None, "url", "domain") else None
    if refanged is not None and kind in (None, refanged[0]):
        kind, normalized = refanged
    else:
        if kind is None:
            kind = detect_kind(text)
            if kind == "money":
                raise IndicatorError("an amount of money is not an indicator the registry keeps")
        elif kind not in LOOKUP_KINDS:
            raise IndicatorError(
                f"unknown indicator kind {kind!r} (one of {', '.join(LOOKUP_KINDS)})"
            )
        normalized = normalize(kind, text)
    if len(normalized.encode("utf-8")) > MAX_NORMALIZED:
        raise IndicatorError(f"normalised value longer than {MAX_NORMALIZED} bytes")
    return kind, normalized


# --- what is known without the database ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Warning_:
    type: str
    detail: str
    brand: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "detail": self.detail, "brand": self.brand}


def _handle_name(normalized: str) -> str | None:
    _, _, rest = normalized.partition(":")
    if not rest.startswith("@"):
        return None
    return rest[1:].replace("_", "-").replace(".", "-").strip("-") or None


def static_facts(kind: str, normalized: str) -> tuple[str | None, list[Warning_]]:
    """(official brand or service when the value is an official one, look-alike warnings)."""
    if len(normalized) > _STATIC_CACHE_MAX_CHARS:
        return _static_facts(kind, normalized)
    official, warnings = _static_facts_cached(kind, normalized)
    return official, list(warnings)


_STATIC_CACHE_MAX_CHARS: Final = 256


@functools.lru_cache(maxsize=65_536)
def _static_facts_cached(kind: str, normalized: str) -> tuple[str | None, tuple[Warning_, ...]]:
    """:func:`_static_facts` of short keys, memoised: the answer depends on the bundled data
    files only (brands, shorteners, emergency numbers), never on the database, so it cannot go
    stale; at most 65,536 keys of at most 256 characters are kept (about 40 MB at worst)."""
    official, warnings = _static_facts(kind, normalized)
    return official, tuple(warnings)


def _static_facts(kind: str, normalized: str) -> tuple[str | None, list[Warning_]]:
    warnings: list[Warning_] = []
    if kind == "phone":
        service = emergency_numbers().get(normalized)
        return (f"emergency:{normalized}" if service else None), warnings
    if kind in ("url", "domain"):
        try:
            a = assess_domain(normalized)
        except IndicatorError:
            return None, warnings
        if a.official_brand is not None and not a.apk:
            if not a.user_content:
                return a.official_brand, warnings
            # t.me/<anyone>, zalo.me/<anyone>, a Google form: the platform is official, what is
            # published there is not, so it is never "trusted" on the platform's name.
            warnings.append(
                Warning_(
                    "user_content",
                    "anyone can publish at this address (a channel, group, page or form); "
                    "the platform's name says nothing about who runs it",
                    a.official_brand,
                )
            )
        if a.lookalike_of is not None:
            warnings.append(
                Warning_("lookalike", a.reason or "looks like a protected brand", a.lookalike_of)
            )
        if a.shortener:
            warnings.append(Warning_("shortener", "a link shortener hides where the link goes"))
        if a.apk:
            warnings.append(Warning_("apk", "the link downloads an Android app (.apk)"))
        if a.ip:
            warnings.append(Warning_("ip_address", "the link uses a bare IP address"))
        if a.unicode_host is not None:
            warnings.append(
                Warning_("international_name", f"the name is really {a.unicode_host!r}")
            )
    elif kind == "handle":
        name = _handle_name(normalized)
        if name:
            try:
                a = assess_domain(name + ".com")
            except IndicatorError:
                return None, warnings
            brand = a.lookalike_of or a.official_brand
            if brand is not None:
                warnings.append(
                    Warning_(
                        "lookalike",
                        "the account name uses a protected brand's name; official accounts "
                        "are listed on the brand's own website",
                        brand,
                    )
                )
    return None, warnings


# --- answers -------------------------------------------------------------------------------

ADVICE: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "unknown": "Chưa có báo cáo nào về mục này. Điều đó không có nghĩa là an toàn: "
        "đừng chuyển tiền hay gửi mã OTP cho người lạ.",
        "reported": "Đã có người báo cáo đây là lừa đảo. Đừng chuyển tiền, đừng gửi mã, "
        "đừng bấm vào đường link; hãy hỏi bố mẹ hoặc người lớn bạn tin tưởng.",
        "confirmed_scam": "Đây là lừa đảo đã được xác nhận. Dừng ngay, không trả lời, không "
        "chuyển tiền. Lưu lại tin nhắn và gọi 113 nếu bị đe doạ, 111 nếu cần giúp đỡ.",
        "disputed": "Thông tin về mục này đang bị tranh chấp. Hãy cẩn thận và kiểm tra qua "
        "một kênh chính thức mà bạn đã biết.",
        "cleared": "Mục này đã được kiểm tra và gỡ khỏi danh sách cảnh báo. Vẫn nên cẩn thận "
        "với mọi yêu cầu chuyển tiền.",
        "trusted": "Đây là số hoặc trang chính thức. Nếu ai đó nói 'từ' số/trang này nhưng "
        "liên lạc qua kênh khác, đó có thể là giả mạo.",
        "lookalike": "Tên này bắt chước một thương hiệu được bảo vệ: rất có thể là giả mạo. "
        "Chỉ dùng trang web và ứng dụng chính thức.",
    },
    "en": {
        "unknown": "Nobody has reported this yet. That does not make it safe: never send "
        "money or codes to someone you do not know.",
        "reported": "People have reported this as a scam. Do not send money, codes or "
        "photos, do not click the link; ask a parent or an adult you trust.",
        "confirmed_scam": "This is a confirmed scam. Stop, do not reply, do not pay. Keep "
        "the messages and call 113 if you are threatened, 111 for help.",
        "disputed": "What is known about this is disputed. Be careful and check through an "
        "official channel you already know.",
        "cleared": "This was checked and taken off the warning list. Stay careful with any "
        "request for money.",
        "trusted": "This is an official number or site. If someone claims to be from it but "
        "contacts you another way, it may be an impostor.",
        "lookalike": "This name imitates a protected brand: it is very likely fake. Use only "
        "the official website and app.",
    },
}


@dataclass(frozen=True, slots=True)
class Answer:
    """What a lookup answers. Never holds who reported."""

    kind: str
    normalized: str
    status: str
    reporters: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    categories: tuple[str, ...] = ()
    official: str | None = None
    warnings: tuple[Warning_, ...] = ()
    dispute_open: bool = False
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "normalized": self.normalized,
            "status": self.status,
            "reporters": self.reporters,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "categories": list(self.categories),
            "official": self.official,
            "warnings": [w.to_dict() for w in self.warnings],
            "dispute_open": self.dispute_open,
            "advice": self.advice,
        }


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def split_categories(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.split(",") if c)


_T = RegistryIndicator.__table__
_D = IndicatorDispute.__table__
_COLUMNS = (
    _T.c.kind,
    _T.c.normalized,
    _T.c.status,
    _T.c.reporters,
    _T.c.weight,
    _T.c.categories,
    _T.c.first_seen,
    _T.c.last_seen,
    _T.c.id,
    exists().where(_D.c.indicator_id == _T.c.id, _D.c.state == "open").label("dispute_open"),
)


def public_status(stored: str, weight: float) -> str:
    """The status a lookup shows: plain reports count once they weigh enough."""
    if stored == "reported" and weight < LISTED_WEIGHT:
        return "unknown"
    return stored


def make_answer(
    kind: str,
    normalized: str,
    row: Any,
    *,
    lang: str = "vi",
) -> Answer:
    official, warnings = static_facts(kind, normalized)
    texts = ADVICE.get(lang, ADVICE["vi"])
    if row is None:
        status = "trusted" if official else "unknown"
        advice = texts[status]
        if warnings and any(w.type == "lookalike" for w in warnings):
            advice = texts["lookalike"] + " " + advice
        return Answer(kind, normalized, status, official=official, warnings=tuple(warnings),
                      advice=advice)  # fmt: skip
    status = public_status(row.status, row.weight)
    if official and status in ("unknown", "reported", "cleared"):
        # an official number or domain stays trusted; only a moderator can say otherwise
        status = "trusted"
    advice = texts[status]
    if status not in ("trusted", "confirmed_scam") and any(w.type == "lookalike" for w in warnings):
        advice = texts["lookalike"] + " " + advice
    return Answer(
        kind,
        normalized,
        status,
        reporters=row.reporters,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        categories=split_categories(row.categories),
        official=official,
        warnings=tuple(warnings),
        dispute_open=bool(row.dispute_open),
        advice=advice,
    )


def fetch_rows(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Rows of the given keys: on PostgreSQL one ``unnest`` join on the unique index per
    1,000 keys (an ``IN`` list of hundreds of values can make the planner scan the table), on
    SQLite one prepared single-key read per key at the driver level (in process, ~10 µs each:
    cheaper than the ORM's row processing), elsewhere one query per kind with ``IN`` lists of at
    most 500 values."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _fetch_rows_postgres(session, list(dict.fromkeys(keys)))
    if dialect == "sqlite":
        return _fetch_rows_sqlite(session, list(dict.fromkeys(keys)))
    by_kind: dict[str, list[str]] = {}
    for kind, normalized in keys:
        by_kind.setdefault(kind, []).append(normalized)
    out: dict[tuple[str, str], Any] = {}
    for kind, values in by_kind.items():
        unique = list(dict.fromkeys(values))
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            stmt = select(*_COLUMNS).where(_T.c.kind == kind, _T.c.normalized.in_(chunk))
            for row in session.execute(stmt):
                out[(row.kind, row.normalized)] = row
    return out


def _fetch_rows_postgres(
    session: Session, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    dbapi: Any = session.connection().connection.driver_connection
    with dbapi.cursor() as cur:
        for i in range(0, len(keys), 1000):
            chunk = keys[i : i + 1000]
            cur.execute(_MANY_SQL, ([k for k, _ in chunk], [n for _, n in chunk]))
            for kind, normalized, *rest in cur.fetchall():
                out[(kind, normalized)] = _row_of(rest)
    return out


def _fetch_rows_sqlite(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    dbapi: Any = session.connection().connection.driver_connection
    sql = _FAST_SQL.format(p="?")
    cursor = dbapi.cursor()
    try:
        for key in keys:
            cursor.execute(sql, key)
            found = cursor.fetchone()
            if found is not None:
                out[key] = _row_of(found)
    finally:
        cursor.close()
    return out


_LOOKUP = select(*_COLUMNS).where(
    _T.c.kind == bindparam("kind"), _T.c.normalized == bindparam("normalized")
)


def lookup(session: Session, kind: str, normalized: str, *, lang: str = "vi") -> Answer:
    """The answer for one normalised key (one indexed query, a statement built once, run on
    the session's connection without the ORM's per-call work)."""
    row = session.connection().execute(_LOOKUP, {"kind": kind, "normalized": normalized}).first()
    return make_answer(kind, normalized, row, lang=lang)


def lookup_many(
    session: Session, keys: Sequence[tuple[str, str]], *, lang: str = "vi"
) -> list[Answer]:
    """Answers for many keys, in the order given (duplicates answered alike)."""
    rows = fetch_rows(session, keys)
    return [make_answer(k, n, rows.get((k, n)), lang=lang) for k, n in keys]


# --- reports -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reports, as the registry sees it: a keyed hash, a type and a weight."""

    key: str
    type: str  # "user" | "anonymous"
    user_id: int | None
    weight: float


def reporter_weight(
    session: Session, key: str, *, signed_in: bool, verified: bool, now: dt.datetime | None = None
) -> float:
    """Verified accounts (holding a role somewhere) weigh 1; other accounts 0.5; anonymous
    sources 0.5, or 0.25 while new (no report older than a week from the same source)."""
    if signed_in:
        return WEIGHT_USER if verified else WEIGHT_NEW_USER
    now = now or utcnow()
    older = session.execute(
        select(IndicatorReport.id)
        .where(
            IndicatorReport.reporter_key == key,
            IndicatorReport.created_at < now - dt.timedelta(days=NEW_REPORTER_DAYS),
        )
        .limit(1)
    ).first()
    return WEIGHT_ANONYMOUS if older is not None else WEIGHT_NEW_ANONYMOUS


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    indicator_id: int
    counted: bool
    """False when this reporter had already reported the indicator (it counts once)."""
    answer: Answer


def _merge_categories(current: str, new: Iterable[str]) -> str:
    cats = list(split_categories(current))
    for c in new:
        if c and c not in cats:
            cats.append(c)
    return ",".join(cats)[:255]


def get_or_create(session: Session, kind: str, normalized: str) -> tuple[RegistryIndicator, bool]:
    """The indicator row, created (status ``reported``, no reporters) when missing."""
    stmt = select(RegistryIndicator).where(
        RegistryIndicator.kind == kind, RegistryIndicator.normalized == normalized
    )
    found = session.execute(stmt).scalar_one_or_none()
    if found is not None:
        return found, False
    now = utcnow()
    row = RegistryIndicator(
        kind=kind,
        normalized=normalized,
        status="reported",
        reporters=0,
        weight=0.0,
        categories="",
        sources="",
        first_seen=now,
        last_seen=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # created by a concurrent request: use theirs
        return session.execute(stmt).scalar_one(), False
    return row, True


def report(
    session: Session,
    kind: str,
    normalized: str,
    *,
    reporter: Reporter,
    category: str,
    text: str = "",
    evidence: Sequence[str] = (),
    lang: str = "vi",
) -> ReportOutcome:
    """Record a report; the same reporter counts once per indicator."""
    if category not in REPORT_CATEGORIES:
        raise RegistryError(f"unknown category {category!r}")
    indicator, _ = get_or_create(session, kind, normalized)
    existing = session.execute(
        select(IndicatorReport.id).where(
            IndicatorReport.indicator_id == indicator.id,
            IndicatorReport.reporter_key == reporter.key,
        )
    ).first()
    counted = existing is None
    if counted:
        entry = IndicatorReport(
            indicator_id=indicator.id,
            reporter_key=reporter.key,
            reporter_type=reporter.type,
            user_id=reporter.user_id,
            weight=reporter.weight,
            category=category,
            text=text,
            evidence=list(evidence),
        )
        try:
            with session.begin_nested():
                session.add(entry)
                session.flush()
        except IntegrityError:
            counted = False
    now = utcnow()
    if counted:
        indicator.reporters += 1
        indicator.weight += reporter.weight
        indicator.categories = _merge_categories(indicator.categories, [category])
        indicator.last_seen = now
        audit.record(
            session,
            "indicator.report",
            actor_user_id=reporter.user_id,
            target_type="indicator",
            target_id=indicator.id,
            details={
                "kind": kind,
                "reporter_type": reporter.type,
                "weight": reporter.weight,
                "category": category,
            },
        )
    session.flush()
    row = session.execute(select(*_COLUMNS).where(_T.c.id == indicator.id)).one()
    return ReportOutcome(indicator.id, counted, make_answer(kind, normalized, row, lang=lang))


# --- moderation ----------------------------------------------------------------------------


def set_status(
    session: Session,
    indicator: RegistryIndicator,
    status: str,
    *,
    reason: str,
    actor_user_id: int | None,
    is_admin: bool,
) -> IndicatorStatusChange:
    """Change an indicator's status (investigators: confirm, dispute, clear, reopen; admins
    also mark trusted), with the reason, in the status history and the audit log."""
    allowed = ADMIN_STATUSES if is_admin else MODERATOR_STATUSES
    if status not in allowed:
        raise RegistryError(f"you may set the status to one of {', '.join(allowed)}")
    reason = reason.strip()
    if not reason:
        raise RegistryError("a reason is required")
    change = IndicatorStatusChange(
        indicator_id=indicator.id,
        from_status=indicator.status,
        to_status=status,
        actor_user_id=actor_user_id,
        reason=reason[:1000],
    )
    now = utcnow()
    session.add(change)
    audit.record(
        session,
        "indicator.status",
        actor_user_id=actor_user_id,
        target_type="indicator",
        target_id=indicator.id,
        details={
            "kind": indicator.kind,
            "from": indicator.status,
            "to": status,
            "reason": reason[:500],
        },
    )
    indicator.status = status
    indicator.status_changed_at = now
    session.flush()
    return change


def file_dispute(
    session: Session,
    kind: str,
    normalized: str,
    *,
    statement: str,
    contact: str = "",
    user_id: int | None,
) -> IndicatorDispute:
    """The owner of a listed number, account or site asks for a review. The status does not
    change until an investigator decides (a scammer can file disputes too)."""
    statement = statement.strip()
    if not statement:
        raise RegistryError("say why the listing is wrong")
    found = session.execute(
        select(RegistryIndicator).where(
            RegistryIndicator.kind == kind, RegistryIndicator.normalized == normalized
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("this value is not listed: there is nothing to dispute")
    dispute = IndicatorDispute(
        indicator_id=found.id,
        filed_by_user_id=user_id,
        statement=statement,
        contact=contact.strip(),
        state="open",
    )
    session.add(dispute)
    session.flush()
    audit.record(
        session,
        "indicator.dispute.file",
        actor_user_id=user_id,
        target_type="indicator_dispute",
        target_id=dispute.id,
        details={"indicator": found.id, "kind": kind},
    )
    return dispute


def resolve_dispute(
    session: Session,
    dispute: IndicatorDispute,
    *,
    accept: bool,
    reason: str,
    actor_user_id: int | None,
) -> IndicatorDispute:
    """Accepting a dispute clears the indicator; rejecting it leaves the status as it is."""
    if dispute.state != "open":
        raise RegistryError(f"this dispute is already {dispute.state}")
    reason = reason.strip()
    if not reason:
        raise RegistryError("a reason is required")
    dispute.state = "accepted" if accept else "rejected"
    dispute.resolved_at = utcnow()
    dispute.resolved_by_user_id = actor_user_id
    dispute.resolution = reason[:1000]
    audit.record(
        session,
        "indicator.dispute.resolve",
        actor_user_id=actor_user_id,
        target_type="indicator_dispute",
        target_id=dispute.id,
        details={"indicator": dispute.indicator_id, "decision": dispute.state},
    )
    if accept:
        indicator = session.get(RegistryIndicator, dispute.indicator_id)
        if indicator is not None and indicator.status != "cleared":
            set_status(
                session,
                indicator,
                "cleared",
                reason=f"dispute {dispute.id} accepted: {reason}",
                actor_user_id=actor_user_id,
                is_admin=False,
            )
    session.flush()
    return dispute


@dataclass
class IndicatorDetail:
    """What moderators see: the reports (without who sent them), history and disputes."""

    indicator: RegistryIndicator
    reports: list[IndicatorReport] = field(default_factory=list)
    history: list[IndicatorStatusChange] = field(default_factory=list)
    disputes: list[IndicatorDispute] = field(default_factory=list)


def detail(session: Session, indicator_id: int, *, limit: int = 200) -> IndicatorDetail:
    indicator = session.get(RegistryIndicator, indicator_id)
    if indicator is None:
        raise NotFound("no such indicator")

    def rows(model: Any, order: Any) -> list[Any]:
        return list(
            session.execute(
                select(model).where(model.indicator_id == indicator_id).order_by(order).limit(limit)
            ).scalars()
        )

    return IndicatorDetail(
        indicator,
        rows(IndicatorReport, IndicatorReport.id),
        rows(IndicatorStatusChange, IndicatorStatusChange.id),
        rows(IndicatorDispute, IndicatorDispute.id),
    )


def keys_exist(session: Session, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of ``keys`` are already in the table (for tests and tools)."""
    if not keys:
        return set()
    rows = session.execute(
        select(_T.c.kind, _T.c.normalized).where(tuple_(_T.c.kind, _T.c.normalized).in_(keys))
    )
    return {(r.kind, r.normalized) for r in rows}


# --- the API's hot path --------------------------------------------------------------------


class _FastRow(NamedTuple):
    status: str
    reporters: int
    weight: float
    categories: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    dispute_open: bool


_FAST_SQL = (
    "SELECT i.status, i.reporters, i.weight, i.categories, i.first_seen, i.last_seen,"
    " EXISTS (SELECT 1 FROM indicator_disputes d WHERE d.indicator_id = i.id"
    " AND d.state = 'open') FROM indicators i WHERE i.kind = {p} AND i.normalized = {p}"
)


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):  # SQLite keeps naive UTC text
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _row_of(found: Any) -> _FastRow | None:
    if found is None:
        return None
    status, reporters, weight, categories, first, last, disputed = found
    return _FastRow(status, reporters, weight, categories, _utc(first), _utc(last), bool(disputed))


def fast_lookup(
    bind: Engine | Connection, kind: str, normalized: str, *, lang: str = "vi"
) -> Answer:
    """:func:`lookup` at the driver level: one pooled DBAPI connection, one prepared query, no
    ORM or statement compilation. ``bind`` is the engine, or a connection (tests: the one
    holding their transaction). The API's hot path uses a :class:`LookupReader` instead."""
    dialect = bind.dialect.name
    sql = _FAST_SQL.format(p="?" if dialect == "sqlite" else "%s")
    if isinstance(bind, Connection):
        dbapi: Any = bind.connection.driver_connection
        raw = None
    else:
        raw = bind.raw_connection()
        dbapi = raw
    try:
        cursor = dbapi.cursor()
        try:
            cursor.execute(sql, (kind, normalized))
            found = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        if raw is not None:
            raw.close()
    return make_answer(kind, normalized, _row_of(found), lang=lang)


class LookupReader:
    """Single lookups on a connection of their own, one per thread, in autocommit mode.

    A pooled checkout costs a ``SELECT 1`` (``pool_pre_ping``) and a rollback on return: on
    PostgreSQL three round trips for one indexed read. This reader keeps one DBAPI connection
    per thread, outside the pool, in autocommit mode (each read sees every committed report
    and moderation decision at once: nothing is cached) with the statement prepared by the
    driver, so a lookup is one round trip. A connection that fails is dropped and the read
    retried once on a fresh one (a restarted database); :meth:`close` closes them all.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._engine = engine
        self._sql = _FAST_SQL.format(p="?" if engine.dialect.name == "sqlite" else "%s")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []
        self._pid = os.getpid()

    def _connect(self) -> Any:
        raw = self._engine.raw_connection()
        dbapi: Any = raw.driver_connection
        raw.detach()  # ours for good: the pool neither resets nor pings it
        if self._engine.dialect.name == "postgresql":
            dbapi.autocommit = True
        else:  # SQLite: the engine's connect hook already put the driver in autocommit
            dbapi.isolation_level = None
        with self._lock:
            self._open.append(dbapi)
        self._local.pid = os.getpid()
        self._local.conn = dbapi
        return dbapi

    def _drop(self, dbapi: Any) -> None:
        self._local.conn = None
        with self._lock:
            if dbapi in self._open:
                self._open.remove(dbapi)
        with contextlib.suppress(Exception):
            dbapi.close()

    def _query(self, kind: str, normalized: str) -> Any:
        dbapi = getattr(self._local, "conn", None)
        if dbapi is None or self._local.pid != os.getpid():  # never share one across a fork
            dbapi = self._connect()
        for attempt in (1, 2):
            try:
                cursor = dbapi.cursor()
                try:
                    cursor.execute(self._sql, (kind, normalized))
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self._drop(dbapi)
                if attempt == 2:
                    raise
                dbapi = self._connect()
        raise AssertionError("unreachable")  # pragma: no cover

    def lookup(self, kind: str, normalized: str, *, lang: str = "vi") -> Answer:
        return make_answer(kind, normalized, _row_of(self._query(kind, normalized)), lang=lang)

    def close(self) -> None:
        with self._lock:
            conns, self._open = self._open, []
        if os.getpid() != self._pid:
            return
        for dbapi in conns:
            with contextlib.suppress(Exception):
                dbapi.close()


# LATERAL: one probe of the unique (kind, normalized) index per key, whatever the planner
# would estimate for a join (it picks a full scan and a hash join for a few hundred keys);
# LIMIT 1 (the key is unique) keeps the subquery from being flattened into such a join.
_MANY_SQL = (
    "SELECT k.kind, k.normalized, i.status, i.reporters, i.weight, i.categories, i.first_seen,"
    " i.last_seen, EXISTS (SELECT 1 FROM indicator_disputes d WHERE d.indicator_id = i.id"
    " AND d.state = 'open') FROM unnest(%s::text[], %s::text[]) AS k(kind, normalized)"
    " JOIN LATERAL (SELECT * FROM indicators x WHERE x.kind = k.kind"
    " AND x.normalized = k.normalized LIMIT 1) AS i ON true"
)
_MAX_COALESCED = 500


class AsyncLookupReader:
    """Single lookups on PostgreSQL without blocking the event loop, coalesced.

    One asynchronous autocommit connection per worker (made with the engine's own connection
    parameters). While a read is in flight the loop serves other requests; the lookups that
    arrive meanwhile wait for the next read, which answers all of them at once (at most 500
    keys, one ``unnest`` join on the unique index). Under load a round trip to the database
    thus serves many requests instead of one, and a slow database wait never stalls the
    worker. Every read starts after its requests arrived, in autocommit mode: answers are as
    fresh as with one query per request (nothing is cached). A failed read fails its
    requests (500) and the next one reconnects.
    """

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("AsyncLookupReader is for PostgreSQL")
        self.engine = engine
        self._conn: Any = None
        self._pending: dict[tuple[str, str], list[Any]] = {}
        self._running = False
        self._pid = os.getpid()

    async def _connect(self) -> Any:
        import psycopg

        raw = self.engine.raw_connection()
        try:
            info = raw.driver_connection.info  # type: ignore[union-attr]
            dsn, password = info.dsn, info.password
        finally:
            raw.close()
        kwargs: dict[str, Any] = {"autocommit": True}
        if password:
            kwargs["password"] = password
        self._conn = await psycopg.AsyncConnection.connect(dsn, **kwargs)
        return self._conn

    async def lookup(self, kind: str, normalized: str, *, lang: str = "vi") -> Answer:
        import asyncio

        future = asyncio.get_running_loop().create_future()
        self._pending.setdefault((kind, normalized), []).append(future)
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        found = await future
        return make_answer(kind, normalized, found, lang=lang)

    async def _drain(self) -> None:
        try:
            while self._pending:
                keys = list(self._pending)[:_MAX_COALESCED]
                waiting = {key: self._pending.pop(key) for key in keys}
                try:
                    rows = await self._read(keys)
                except Exception as exc:
                    for futures in waiting.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for key, futures in waiting.items():
                    row = rows.get(key)
                    for future in futures:
                        if not future.done():
                            future.set_result(row)
        finally:
            self._running = False

    async def _read(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], _FastRow]:
        params = ([k for k, _ in keys], [n for _, n in keys])
        for attempt in (1, 2):
            conn = self._conn
            if conn is None or conn.closed or self._pid != os.getpid():
                self._pid = os.getpid()
                conn = await self._connect()
            try:
                async with conn.cursor() as cur:
                    await cur.execute(_MANY_SQL, params)
                    found = await cur.fetchall()
                break
            except Exception:
                self._conn = None
                with contextlib.suppress(Exception):
                    await conn.close()
                if attempt == 2:
                    raise
        out: dict[tuple[str, str], _FastRow] = {}
        for kind, normalized, *rest in found:
            row = _row_of(rest)
            assert row is not None
            out[(kind, normalized)] = row
        return out

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    def close(self) -> None:
        """Forget the connection (closing needs the loop: :meth:`aclose`); the server
        process ends right after."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.pgconn.finish()
