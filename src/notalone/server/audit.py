"""Append-only audit log with a SHA-256 hash chain (each entry covers the one before)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from notalone.server.models import AuditEvent, utcnow

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_244_551_020  # arbitrary, constant: serialises appends to the chain


def _digest(prev_hash: str, event: AuditEvent) -> str:
    payload = {
        "prev": prev_hash,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor_user_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "details": event.details,
    }
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor_user_id: int | None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction. ``details`` must hold no personal data."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev_hash = last or GENESIS
    event = AuditEvent(
        at=utcnow(),
        actor_user_id=actor_user_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        prev_hash=prev_hash,
    )
    event.hash = _digest(prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    first_bad_id: int | None


def verify_chain(session: Session, *, batch: int = 1000) -> ChainReport:
    """Recompute every hash in order; report the first event that does not fit."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return ChainReport(True, count, None)
        for event in rows:
            if event.prev_hash != prev or _digest(prev, event) != event.hash:
                return ChainReport(False, count, event.id)
            prev = event.hash
            count += 1
            last_id = event.id
