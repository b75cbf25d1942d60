"""Fixtures of the service tests.

Every database test runs twice: on SQLite (always) and on PostgreSQL (marker ``postgres``;
``NOTALONE_TEST_DATABASE_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
Each test session gets a fresh schema (PostgreSQL) or file (SQLite), migrated with Alembic;
each test runs inside a transaction that is rolled back. An unreachable PostgreSQL or Redis
skips those tests with the reason, except when ``CI=true``, where it fails them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from notalone.server.app import create_app
from notalone.server.db import make_engine
from notalone.server.migrate import upgrade
from notalone.server.ratelimit import MemoryRateLimiter, RateLimiter
from notalone.server.seed import seed_provinces
from notalone.server.services import Services
from notalone.server.settings import Settings
from tests.server.fakes import FakeDetector

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, reason: str) -> None:
    message = f"{what} unreachable: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: these tests must run)", pytrace=False)
    pytest.skip(message)


def _migrate_and_seed(engine: Engine) -> None:
    upgrade(engine)
    with Session(engine) as session:
        seed_provinces(session)
        session.commit()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "notalone.db"
    engine = make_engine(f"sqlite:///{path}")
    _migrate_and_seed(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    url = os.environ.get("NOTALONE_TEST_DATABASE_URL", DEFAULT_PG)
    schema = f"notalone_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        unavailable("PostgreSQL", f"{url.split('@')[-1]}: {type(exc.orig).__name__}")
    engine = create_engine(
        url, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
    )
    try:
        _migrate_and_seed(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    scope="session",
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)],
)
def engine(request: pytest.FixtureRequest) -> Engine:
    """The migrated, seeded database of this session, once per backend."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": "test-secret-key-0123456789abcdef",
        "redis_url": None,
        "database_url": None,
        "rate_limit_ip": 10_000,
        "rate_limit_token": 10_000,
        "log_json": True,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def limiter() -> RateLimiter:
    return MemoryRateLimiter()


@pytest.fixture
def app(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    limiter: RateLimiter,
) -> FastAPI:
    app = create_app(settings, engine=engine, detector_loader=FakeDetector, limiter=limiter)
    services: Services = app.state.services
    services.session_factory = session_factory
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture(scope="session")
def _shared_app(engine: Engine) -> Iterator[tuple[FastAPI, TestClient]]:
    app = create_app(make_settings(), engine=engine, detector_loader=FakeDetector)
    with TestClient(app, base_url="https://testserver") as c:
        yield app, c


@pytest.fixture
def shared_client(
    _shared_app: tuple[FastAPI, TestClient], session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    """One app per backend for the many fast tests: each test gets its own rolled-back
    transaction and an empty cookie jar."""
    app, client = _shared_app
    services: Services = app.state.services
    services.session_factory = session_factory
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("NOTALONE_TEST_REDIS_URL", DEFAULT_REDIS)
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", f"{url.split('@')[-1]}: {type(exc).__name__}")
    finally:
        client.close()
    return url
