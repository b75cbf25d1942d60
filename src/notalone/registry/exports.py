"""Exports of confirmed scam indicators: CSV and STIX 2.1 bundles, streamed in id order."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import RegistryIndicator
from .service import split_categories

EXPORT_FORMATS: Final = ("csv", "stix")
CSV_COLUMNS: Final = (
    "kind",
    "normalized",
    "status",
    "reporters",
    "categories",
    "first_seen",
    "last_seen",
)
NAMESPACE: Final = uuid.UUID("6b1f3c52-9d7e-4f0e-8a53-2f1c0e7d9b41")
"""Namespace of the deterministic STIX ids (the same indicator always gets the same id)."""
IDENTITY_ID: Final = f"identity--{uuid.uuid5(NAMESPACE, 'notalone')}"
STIX_OBJECT_TYPES: Final = {
    "url": "url",
    "domain": "domain-name",
    "email": "email-addr",
    "phone": "x-notalone-phone",
    "bank_account": "x-notalone-bank-account",
    "handle": "x-notalone-handle",
    "crypto_wallet": "x-notalone-crypto-wallet",
}

_T = RegistryIndicator.__table__


def confirmed_rows(session: Session, *, batch: int = 2_000) -> Iterator[Any]:
    """Every ``confirmed_scam`` indicator, by id, read in keyset-paginated batches."""
    last = 0
    while True:
        rows = session.execute(
            select(
                _T.c.id,
                _T.c.kind,
                _T.c.normalized,
                _T.c.status,
                _T.c.reporters,
                _T.c.categories,
                _T.c.first_seen,
                _T.c.last_seen,
                _T.c.status_changed_at,
            )
            .where(_T.c.status == "confirmed_scam", _T.c.id > last)
            .order_by(_T.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _iso(value: Any) -> str:
    return str(value.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def csv_chunks(session: Session) -> Iterator[str]:
    """The CSV export, one chunk per few hundred rows (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(confirmed_rows(session), start=1):
        writer.writerow(
            [
                row.kind,
                row.normalized,
                row.status,
                row.reporters,
                row.categories,
                _iso(row.first_seen),
                _iso(row.last_seen),
            ]
        )
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stix_pattern(kind: str, normalized: str) -> str:
    value = normalized.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{STIX_OBJECT_TYPES[kind]}:value = '{value}']"


def stix_indicator(row: Any) -> dict[str, Any]:
    created = _iso(row.first_seen)
    modified = _iso(row.status_changed_at or row.last_seen)
    categories = list(split_categories(row.categories))
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(NAMESPACE, row.kind + ':' + row.normalized)}",
        "created_by_ref": IDENTITY_ID,
        "created": created,
        "modified": max(created, modified),
        "name": f"{row.kind} {row.normalized}",
        "description": f"Confirmed scam {row.kind} ({row.reporters} independent reporters)",
        "indicator_types": ["malicious-activity"],
        "pattern": stix_pattern(row.kind, row.normalized),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": created,
        "labels": categories,
        "confidence": 100,
    }


def stix_chunks(session: Session) -> Iterator[str]:
    """A STIX 2.1 bundle, written as it is read (never the whole list in memory)."""
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY_ID,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "notalone scam-indicator registry",
        "identity_class": "system",
    }
    yield (
        '{"type":"bundle","id":"bundle--' + str(uuid.uuid4()) + '","objects":['
        + json.dumps(identity, ensure_ascii=False)
    )  # fmt: skip
    parts: list[str] = []
    for row in confirmed_rows(session):
        parts.append("," + json.dumps(stix_indicator(row), ensure_ascii=False))
        if len(parts) >= 500:
            yield "".join(parts)
            parts.clear()
    yield "".join(parts) + "]}\n"


def export_chunks(session: Session, fmt: str) -> Iterator[str]:
    if fmt == "csv":
        return csv_chunks(session)
    if fmt == "stix":
        return stix_chunks(session)
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(EXPORT_FORMATS)})")
