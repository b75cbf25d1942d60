"""Registry data for the service's route × role table (``tests/server/test_authz_matrix.py``)."""

from __future__ import annotations

from sqlalchemy.orm import Session, object_session

from notalone.registry import service as reg
from notalone.registry.models import IndicatorDispute, RegistryIndicator
from tests.server.world import World

LISTED_PHONE = "+84912000111"


def _session(world: World) -> Session:
    session = object_session(world.users["admin"])
    assert session is not None
    return session


def listed_indicator(world: World) -> RegistryIndicator:
    """A listed phone number (created once per world)."""
    session = _session(world)
    indicator, _ = reg.get_or_create(session, "phone", LISTED_PHONE)
    session.commit()
    return indicator


def open_dispute(world: World) -> IndicatorDispute:
    session = _session(world)
    reg.get_or_create(session, "phone", LISTED_PHONE)
    dispute = reg.file_dispute(
        session, "phone", LISTED_PHONE, statement="This is my number", user_id=None
    )
    session.commit()
    return dispute
