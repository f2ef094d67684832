"""The calls public submissions are checked against, kept in each worker's memory and never stale.

Every submission needs the call it answers, what that call offers and every project's code. They change
a handful of times a year, yet reading them cost two of a submission's statements. So each worker keeps
a :class:`~stepchange.interest.calls.CallBook` under the version it was read at, the way the public
project lists are kept (``projects.cache``, whose version reader this uses):

- every change to a call (opening one, changing its window or projects, extending it, closing it early)
  bumps the *calls version* in the writer's own transaction, so the new version is committed exactly
  when the change is; every change to projects bumps the projects version, read here too;
- each check reads both versions from a read that began after the request arrived (one read shared by
  the requests that arrived meanwhile), and reads the book again if either differs from the kept one's;
- as a safety net, for a write that forgot to bump (a seed run, a demo call), the read also takes the
  calls' and offers' counts, the latest ``updated_at``, closing time and early closing of any call.

Whether a call is open is decided at the moment of each check from the kept windows, so a call opens and
closes on time without any write. A call closed in one worker is therefore refused by every worker
from the moment the closing commits.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from stepchange.core.database import WRITE_INTENT, app_database_config
from stepchange.core.sessions import StoredValue
from stepchange.interest.calls import CALLS_VERSION_KEY, CallBook
from stepchange.interest.models import Call, call_project
from stepchange.projects import cache as project_cache
from stepchange.projects.models import Project


def _version(key: str) -> ScalarSelect[Any]:
    """A version stored under ``key`` by :func:`~stepchange.projects.cache.bump`."""
    return (
        select(StoredValue.value)
        .where(StoredValue.key == key, StoredValue.namespace == project_cache.NAMESPACE)
        .scalar_subquery()
    )


VERSION_QUERY = select(
    _version(CALLS_VERSION_KEY),
    _version(project_cache.VERSION_KEY),
    select(func.count()).select_from(Call).scalar_subquery(),
    select(func.max(Call.updated_at)).scalar_subquery(),
    select(func.max(Call.closes_at)).scalar_subquery(),
    select(func.max(Call.closed_early_at)).scalar_subquery(),
    select(func.count()).select_from(call_project).scalar_subquery(),
    select(func.count()).select_from(Project).scalar_subquery(),
    select(func.max(Project.updated_at)).scalar_subquery(),
)


class CallCache:
    """One worker's book of calls, valid for one version of the calls and projects."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.versions = project_cache.VersionReader(engine, VERSION_QUERY)
        self._kept: tuple[bytes, CallBook] | None = None

    async def book(self) -> CallBook:
        """The book at the current version: the kept one, or read afresh (and kept) if anything changed.

        The book is read after the version, so it is never older than the version it is kept under; if a
        change commits in between, the next check sees a newer version and reads the book again. It is read
        on a connection of its own, as a reader: on SQLite, a write request's own transaction may already
        hold the write lock (``BEGIN IMMEDIATE``), which a second writer would wait for until it failed.
        """
        version = await self.versions.current()
        kept = self._kept
        if kept is not None and kept[0] == version:
            return kept[1]
        reading = WRITE_INTENT.set(False)  # a read of its own, never the request's write (SQLite: no write lock)
        try:
            async with project_cache.read_only_session(self.engine) as session:
                book = await CallBook.load(session)
        finally:
            WRITE_INTENT.reset(reading)
        self._kept = (version, book)
        return book


STATE_KEY = "stepchange_call_book"


def call_cache(app: Litestar) -> CallCache:
    """The app's cache of calls, made on first use with the app's engine."""
    cache = app.state.get(STATE_KEY)
    if not isinstance(cache, CallCache):
        cache = app.state[STATE_KEY] = CallCache(app_database_config(app).get_engine())
    return cache
