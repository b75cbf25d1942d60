"""Tables of the scam-indicator registry, on the service's ``Base`` (one metadata, one Alembic)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from notalone.server.db import Base
from notalone.server.models import UTCDateTime, utcnow

STORED_STATUSES = ("reported", "confirmed_scam", "disputed", "cleared", "trusted")
"""Statuses kept in the table; ``unknown`` is the absence of a row (or too little weight)."""

REPORTER_TYPES = ("user", "anonymous", "import")
DISPUTE_STATES = ("open", "accepted", "rejected")
MAX_NORMALIZED = 1024
"""Longest key kept, in UTF-8 bytes (a btree index entry must stay small)."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RegistryIndicator(Base):
    """One normalised indicator (``kind`` + ``normalized`` is the key) and what is known of it.

    ``reporters`` counts independent reporters (each person, anonymous source or import
    source once); ``weight`` is their weighted sum (new anonymous sources weigh less).
    ``sources`` lists import sources as ``|name|name|`` so that an upsert can test membership.
    """

    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("kind", "normalized"),
        CheckConstraint(_in("status", STORED_STATUSES), name="status"),
        Index("ix_indicators_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    normalized: Mapped[str] = mapped_column(String(MAX_NORMALIZED))
    status: Mapped[str] = mapped_column(String(16), default="reported")
    reporters: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    categories: Mapped[str] = mapped_column(String(255), default="")
    """Comma-separated category ids (kept as text so that bulk upserts can merge them)."""
    sources: Mapped[str] = mapped_column(String(1024), default="")
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class IndicatorReport(Base):
    """A report by a person (signed in or anonymous). ``reporter_key`` is a keyed hash: it
    makes "one reporter counts once" enforceable and is never shown."""

    __tablename__ = "indicator_reports"
    __table_args__ = (
        UniqueConstraint("indicator_id", "reporter_key"),
        CheckConstraint(_in("reporter_type", REPORTER_TYPES), name="reporter_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    reporter_key: Mapped[str] = mapped_column(String(64), index=True)
    reporter_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    weight: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorStatusChange(Base):
    """Every status change: who (user id or import source), from, to and why."""

    __tablename__ = "indicator_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(1000))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorDispute(Base):
    """A dispute filed by the owner of a listed number, account or site; investigators decide."""

    __tablename__ = "indicator_disputes"
    __table_args__ = (CheckConstraint(_in("state", DISPUTE_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    filed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    statement: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(254), default="")
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolution: Mapped[str] = mapped_column(String(1000), default="")
