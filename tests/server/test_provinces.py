"""Vietnam's provincial-level units after the 2025 merger, as data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notalone.server.models import Province
from notalone.server.seed import load_provinces, seed_provinces


def test_there_are_34_units_6_cities_and_28_provinces() -> None:
    provinces = load_provinces()
    assert len(provinces) == 34
    assert sum(p.kind == "city" for p in provinces) == 6
    assert sum(p.kind == "province" for p in provinces) == 28
    assert len({p.code for p in provinces}) == 34
    assert len({p.name for p in provinces}) == 34


def test_the_34_units_account_for_the_63_former_ones() -> None:
    former = [m for p in load_provinces() for m in (p.merged_from or (p.name,))]
    assert len(former) == 63
    assert len(set(former)) == 63


def test_seeding_is_idempotent(db: Session) -> None:
    seed_provinces(db)
    seed_provinces(db)
    assert db.execute(select(func.count()).select_from(Province)).scalar_one() == 34
    hcm = db.get(Province, "79")
    assert hcm is not None and "Bình Dương" in hcm.merged_from
