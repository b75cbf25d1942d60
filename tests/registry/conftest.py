"""The service's fixtures (SQLite always, PostgreSQL when reachable; never skipped in CI)."""

from __future__ import annotations

from tests.server.conftest import (  # noqa: F401  (fixtures)
    _shared_app,
    app,
    client,
    connection,
    db,
    engine,
    limiter,
    postgres_engine,
    session_factory,
    settings,
    shared_client,
    sqlite_engine,
)
