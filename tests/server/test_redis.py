"""The Redis-backed rate limiter (marker ``redis``; NOTALONE_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from notalone.server.app import create_app
from notalone.server.ratelimit import RedisRateLimiter
from tests.server.conftest import make_settings
from tests.server.fakes import FakeDetector

pytestmark = pytest.mark.redis


def test_redis_limiter_counts_and_refuses_over_the_limit(redis_url: str) -> None:
    async def run() -> list[bool]:
        limiter = RedisRateLimiter(redis_url, prefix=f"notalone:test:{secrets.token_hex(4)}:")
        try:
            return [(await limiter.hit("k", 3, 60)).allowed for _ in range(5)]
        finally:
            await limiter.close()

    assert asyncio.run(run()) == [True, True, True, False, False]


def test_redis_limiter_counts_a_cost(redis_url: str) -> None:
    async def run() -> tuple[bool, bool]:
        limiter = RedisRateLimiter(redis_url, prefix=f"notalone:test:{secrets.token_hex(4)}:")
        try:
            first = await limiter.hit("k", 10, 60, cost=10)
            second = await limiter.hit("k", 10, 60)
            return first.allowed, second.allowed
        finally:
            await limiter.close()

    assert asyncio.run(run()) == (True, False)


def test_redis_limiter_fails_open_when_redis_is_away() -> None:
    async def run() -> bool:
        limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
        try:
            return (await limiter.hit("k", 1, 60)).allowed and not await limiter.ping()
        finally:
            await limiter.close()

    assert asyncio.run(run())


def test_the_app_uses_redis_when_configured(redis_url: str, sqlite_engine: Engine) -> None:
    settings = make_settings(redis_url=redis_url, rate_limit_ip=2)
    app = create_app(
        settings,
        engine=sqlite_engine,
        detector_loader=FakeDetector,
        limiter=RedisRateLimiter(redis_url, prefix=f"notalone:test:{secrets.token_hex(4)}:"),
    )
    with TestClient(app, base_url="https://testserver") as client:
        statuses = [
            client.post("/api/v1/analyze", json={"text": "x"}).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        ready = client.get("/readyz").json()
        assert ready["checks"]["redis"] == "ok"
