"""Seed content: Vietnam's provinces (from ``data/provinces.yaml``), loaded idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from notalone.server.models import Province


@dataclass(frozen=True)
class ProvinceRecord:
    code: str
    name: str
    name_ascii: str
    kind: str
    merged_from: tuple[str, ...]


def load_provinces() -> list[ProvinceRecord]:
    text = resources.files("notalone").joinpath("data", "provinces.yaml").read_text("utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    return [
        ProvinceRecord(
            code=str(p["code"]),
            name=str(p["name"]),
            name_ascii=str(p["name_ascii"]),
            kind=str(p["kind"]),
            merged_from=tuple(str(m) for m in p.get("merged_from", [])),
        )
        for p in doc["provinces"]
    ]


def seed_provinces(session: Session) -> int:
    """Insert or update every province; returns how many were written. Does not commit."""
    count = 0
    for record in load_provinces():
        row = session.get(Province, record.code)
        if row is None:
            row = Province(code=record.code)
            session.add(row)
        row.name = record.name
        row.name_ascii = record.name_ascii
        row.kind = record.kind
        row.merged_from = list(record.merged_from)
        count += 1
    session.flush()
    return count
