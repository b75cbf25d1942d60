"""Fixed-window rate limits: Redis-backed when configured, in-process otherwise."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("notalone.server.ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int
    """Seconds until the window resets."""


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: int, cost: int = 1) -> Decision: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """Counts in this process: right for one worker, and for tests."""

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, window: int, cost: int = 1) -> Decision:
        now = int(time.time())
        bucket = now // window
        current = self._counts.get(key)
        count = current[1] if current is not None and current[0] == bucket else 0
        count += cost
        if len(self._counts) >= self._max_keys and key not in self._counts:
            self._purge(bucket, window)
        self._counts[key] = (bucket, count)
        reset = (bucket + 1) * window - now
        return Decision(count <= limit, limit, max(0, limit - count), reset)

    def _purge(self, bucket: int, window: int) -> None:
        stale = [k for k, (b, _) in self._counts.items() if b != bucket]
        for k in stale:
            del self._counts[k]
        if len(self._counts) >= self._max_keys:
            self._counts.clear()

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._counts.clear()


class RedisRateLimiter:
    """Counts in Redis, shared by every worker; fails open (and logs) when Redis is away."""

    def __init__(self, url: str, *, prefix: str = "notalone:rl:") -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    async def hit(self, key: str, limit: int, window: int, cost: int = 1) -> Decision:
        now = int(time.time())
        bucket = now // window
        redis_key = f"{self._prefix}{key}:{bucket}"
        reset = (bucket + 1) * window - now
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incrby(redis_key, cost)
                pipe.expire(redis_key, window + 1, nx=True)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limiter unavailable", extra={"error_type": type(exc).__name__})
            return Decision(True, limit, limit, reset)
        return Decision(int(count) <= limit, limit, max(0, limit - int(count)), reset)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()
