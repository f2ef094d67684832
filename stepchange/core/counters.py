"""Counters that cannot be raced: login throttles and rate limits.

Each hit is ONE atomic operation that both counts and returns the new count — Redis ``INCR`` in a
``MULTI`` with the window's expiry, or on the database a single ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` in its own short transaction — and the caller decides on the value it got back. Reading a
count and writing it back (what Litestar's store-based limiter does) lets forty concurrent requests
all see "4 so far" and all pass.

Counts live outside the request's transaction: a refused request must still be counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Column, Float, Integer, String, Table, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from stepchange.core.database import IMMEDIATE, Base, upsert_insert
from stepchange.core.settings import Settings

attempt_counter = Table(
    "attempt_counter",
    Base.metadata,
    Column("key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("window_ends_at", Float, nullable=False, doc="Epoch seconds; the count starts again after it"),
)


@dataclass(frozen=True)
class Count:
    """The count in the current window, including the hit just made, and the seconds the window has left."""

    count: int
    seconds_left: int

    def over(self, limit: int) -> bool:
        return self.count > limit


class AttemptCounter(Protocol):
    async def hit(self, key: str, window_seconds: int) -> Count:
        """Count one attempt for ``key`` in a fixed window and return the new count."""
        ...

    async def forgive(self, key: str) -> None:
        """Take one attempt back (it turned out to be a success)."""
        ...

    async def clear(self, key: str) -> None:
        """Forget every attempt for ``key``."""
        ...

    async def purge_expired(self) -> int:
        """Drop what ended windows left behind; returns how many."""
        ...

    async def close(self) -> None:
        """Let go of connections (at shutdown)."""
        ...


def _seconds_left(ends_at: float, now: float) -> int:
    return max(1, int(ends_at - now + 0.999))


class DatabaseCounter:
    """One upsert per hit, in its own transaction (on SQLite the write lock serialises them)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # On SQLite each transaction takes the write lock at BEGIN (waiting its turn), never half-way.
        self.writer = engine.execution_options(**{IMMEDIATE: True})
        self._dialect = engine.dialect.name

    async def hit(self, key: str, window_seconds: int) -> Count:
        now = time.time()
        table = attempt_counter
        expired = table.c.window_ends_at <= now
        statement = (
            upsert_insert(self._dialect, table)
            .values(key=key, count=1, window_ends_at=now + window_seconds)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((expired, 1), else_=table.c.count + 1),
                    "window_ends_at": case((expired, now + window_seconds), else_=table.c.window_ends_at),
                },
            )
            .returning(table.c.count, table.c.window_ends_at)
        )
        async with self.writer.begin() as connection:
            count, ends_at = (await connection.execute(statement)).one()
        return Count(int(count), _seconds_left(float(ends_at), now))

    async def forgive(self, key: str) -> None:
        statement = (
            update(attempt_counter)
            .where(attempt_counter.c.key == key, attempt_counter.c.count > 0)
            .values(count=attempt_counter.c.count - 1)
        )
        async with self.writer.begin() as connection:
            await connection.execute(statement)

    async def clear(self, key: str) -> None:
        async with self.writer.begin() as connection:
            await connection.execute(delete(attempt_counter).where(attempt_counter.c.key == key))

    async def purge_expired(self) -> int:
        """Drop the rows of windows that have ended (any caller may; nothing depends on them).

        It looks first and writes only when there is something to drop: most runs take no write lock.
        """
        ended = attempt_counter.c.window_ends_at < time.time()
        async with self.engine.connect() as connection:
            if await connection.scalar(select(attempt_counter.c.key).where(ended).limit(1)) is None:
                return 0
        async with self.writer.begin() as connection:
            result = await connection.execute(delete(attempt_counter).where(ended))
        return int(result.rowcount or 0)

    async def close(self) -> None:
        """The engine belongs to the app's database config, which disposes of it."""


_FORGIVE = (
    "local n = redis.call('GET', KEYS[1]) if n and tonumber(n) > 0 then return redis.call('DECR', KEYS[1]) end return 0"
)


class RedisCounter:
    """``SET key 0 EX window NX`` then ``INCR`` and ``TTL``, in one MULTI: shared by every worker."""

    def __init__(self, url: str, namespace: str = "stepchange:counter") -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self.namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def hit(self, key: str, window_seconds: int) -> Count:
        name = self._key(key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=window_seconds, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = await pipe.execute()
        return Count(int(count), max(1, int(ttl)))

    async def forgive(self, key: str) -> None:
        name = self._key(key)
        # Never below zero, never creating a key: one Lua step, atomic on the server.
        await self.redis.eval(_FORGIVE, 1, name)

    async def clear(self, key: str) -> None:
        await self.redis.delete(self._key(key))

    async def purge_expired(self) -> int:
        """Redis expires the keys itself."""
        return 0

    async def close(self) -> None:
        await self.redis.aclose()


def build_counter(settings: Settings, engine: AsyncEngine) -> AttemptCounter:
    """Redis when ``STEPCHANGE_REDIS_URL`` is set (one count for every worker), else the database."""
    if settings.redis_url:
        return RedisCounter(settings.redis_url)
    return DatabaseCounter(engine)


def app_counter(app: Any) -> AttemptCounter:
    """The counter an app keeps in its state (``create_app`` puts it there)."""
    return cast(AttemptCounter, app.state.counter)


def client_address(scope: Any) -> str:
    """The address a request came from, as the server saw it: what per-address limits count against."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
