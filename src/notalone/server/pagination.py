"""Limit/offset pagination of any SELECT into a ``Page``."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from notalone.server.schemas import Page

M = TypeVar("M", bound=BaseModel)


def paginate(
    session: Session, stmt: Select[Any], limit: int, offset: int, item_type: type[M]
) -> Page[M]:
    """Run ``stmt`` (which must have a stable ORDER BY) for one page and count the total."""
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    rows = session.execute(stmt.limit(limit).offset(offset)).scalars().all()
    items = [item_type.model_validate(row) for row in rows]
    end = offset + len(items)
    return Page[item_type](  # type: ignore[valid-type]
        items=items,
        total=total,
        limit=limit,
        offset=offset,
        next_offset=end if end < total else None,
    )
