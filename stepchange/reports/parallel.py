"""Counting part of a report on a second connection, while the request's connection counts the rest.

On PostgreSQL the counting is the database's work, done in its own processes: a second connection
counts the interest figures (the heaviest, over every expression and choice) while the first counts
the rest, so a report takes about the time of its longer half. On SQLite the counting is this process's
own work (SQLite runs in its threads), and on a machine of two shared cores a second connection was
measured to gain nothing: there the part is counted on the request's session, after the rest. The
second session only reads, and is closed when its part is done or the report fails.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

T = TypeVar("T")


@contextlib.asynccontextmanager
async def beside(
    session: AsyncSession, work: Callable[[AsyncSession], Awaitable[T]]
) -> AsyncIterator[Callable[[], Awaitable[T]]]:
    """Start ``work`` on a second session (PostgreSQL) and give the way to await its result; elsewhere
    the result is counted on ``session`` when awaited."""
    bind = session.bind
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "postgresql":
        yield lambda: work(session)
        return
    async with AsyncSession(bind, expire_on_commit=False) as other:
        task = asyncio.ensure_future(work(other))
        try:
            yield lambda: task
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
