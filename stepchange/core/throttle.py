"""Counting attempts in a shared store (the database or Redis), for login throttling and rate limits."""

from __future__ import annotations

import time
from dataclasses import dataclass

import msgspec
from litestar.stores.base import Store


class _Window(msgspec.Struct):
    started: float
    count: int


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` events per key in a fixed window of ``window_seconds``."""

    store: Store
    limit: int
    window_seconds: int

    async def _read(self, key: str) -> _Window | None:
        raw = await self.store.get(key)
        if raw is None:
            return None
        window = msgspec.json.decode(raw, type=_Window)
        return window if time.time() - window.started < self.window_seconds else None

    async def retry_after(self, key: str) -> int | None:
        """Seconds to wait when ``key`` has used up its window, else ``None``."""
        window = await self._read(key)
        if window is None or window.count < self.limit:
            return None
        return max(1, int(self.window_seconds - (time.time() - window.started)))

    async def hit(self, key: str) -> int:
        """Count one event for ``key``; returns the count in the current window."""
        window = await self._read(key) or _Window(started=time.time(), count=0)
        window.count += 1
        remaining = max(1, int(self.window_seconds - (time.time() - window.started)))
        await self.store.set(key, msgspec.json.encode(window), expires_in=remaining)
        return window.count

    async def clear(self, key: str) -> None:
        await self.store.delete(key)
