"""The public project list, cached as the bytes it was rendered to, and never stale.

Every write to projects (a status update, an amendment, a new pipeline project) calls :func:`bump`,
which stores a fresh *projects version* in the shared key/value table (``kv_store``, namespace
``cache``) **in the writer's own transaction**: the new version is committed exactly when the change
is, on SQLite and PostgreSQL alike, so no worker can ever see the new version with the old data.
(A separate store write would either commit before the change — and a reader could then cache the
old rows under the new version for good — or, on SQLite, wait on the writer's own write lock.)

Each request for the list reads the current version (one indexed row; concurrent requests share one
read that began after all of them arrived, see :class:`VersionReader`) and serves the bytes this
app rendered for that version and that variant of the list, or renders and keeps them. Several
workers therefore show a change the moment it is committed; nothing expires by time.

A visitor without a session is served the kept bytes before routing and middleware, by the anonymous
fast path (``core.fast_path``, with the doors in ``projects.fast_doors``): the same keys, the same version
read, never a render there; a miss goes to the handlers, which render and keep.

As a safety net the version read also takes the project and work-stream tables' row counts and latest
``updated_at`` (40-odd rows), so a write that forgot to bump — a seed run, a fix made by hand in SQL
that touches ``updated_at``, a future feature — still shows at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, cast

from advanced_alchemy.extensions.litestar import get_database_migration_plugin
from litestar import Litestar
from sqlalchemy import Select, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import await_only

from stepchange.core.database import upsert_insert
from stepchange.core.sessions import StoredValue
from stepchange.projects.models import Project
from stepchange.workstreams.models import Workstream

NAMESPACE = "cache"
VERSION_KEY = "projects-version"
NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
"""The version row never expires (the column is required)."""
MAX_VARIANTS = 256
"""Rendered variants kept per worker (filters and pages); the least recently used go first."""
STATE_KEY = "stepchange_project_lists"
NONCE_PLACEHOLDER = b"stepchange-nonce-placeholder-3f9c"
"""Stands in for the per-request CSP nonce in a kept page; replaced in every response."""


def json_variant(workstream: str | None, status: str | None, limit: int, offset: int) -> Hashable:
    """The key of the API's list for these parameters (its handler and the fast path use the same)."""
    return ("json", (workstream or "").strip().upper(), status, limit, offset)


def html_variant(path: str, visitor: Hashable, workstream: str | None, status: str | None) -> Hashable:
    """The key of the list page for these filters, at ``path``, for this kind of visitor (``None``: anonymous)."""
    return ("html", path, visitor, workstream, status)


async def bump(session: AsyncSession, key: str = VERSION_KEY) -> None:
    """A new projects version, written in ``session``'s transaction: call it from every write to projects.

    Another cache kept the same way names its own version ``key`` (the calls a submission answers)."""
    values = {
        "id": uuid.uuid4(),
        "key": key,
        "namespace": NAMESPACE,
        "value": uuid.uuid4().hex.encode(),
        "expires_at": NEVER,
    }
    insert = upsert_insert(session, StoredValue)
    await session.execute(
        insert.values(values).on_conflict_do_update(
            index_elements=["key", "namespace"], set_={"value": insert.excluded.value}
        )
    )


VERSION_QUERY = select(
    select(StoredValue.value)
    .where(StoredValue.key == VERSION_KEY, StoredValue.namespace == NAMESPACE)
    .scalar_subquery(),
    select(func.count()).select_from(Project).scalar_subquery(),
    select(func.max(Project.updated_at)).scalar_subquery(),
    select(func.count()).select_from(Workstream).scalar_subquery(),
    select(func.max(Workstream.updated_at)).scalar_subquery(),
)


async def read_version(engine: AsyncEngine, query: Select[Any] = VERSION_QUERY) -> bytes:
    """The committed projects version (with the tables' fingerprint), on a pooled connection."""
    async with engine.connect() as connection:
        row = (await connection.execute(query)).one()
    return repr(tuple(row)).encode()


class VersionReader:
    """Reads the version for many requests at once without ever answering one of them from the past.

    At most one read is in flight. A caller joins the *next* read — one not yet sent to the database —
    so every answer comes from a read that began after the caller asked: a change committed before a
    request arrived is always seen. Under load one read serves every request that arrived meanwhile.

    Reads go over a connection of the reader's own, taken out of the pool once (SQLite and
    PostgreSQL): the query is sent straight to the driver in autocommit — one round trip, no pool
    check-out, ping, transaction or reset — which is most of what a cached page costs. The connection
    is closed when the engine is disposed; a failed read closes it and falls back to the pool.

    On SQLite the version is first read right here, on the event loop, over a plain ``sqlite3``
    connection: the query takes some 20 µs, where handing it to aiosqlite's thread and back costs ten
    times that in processor time. WAL readers never wait for writers; the connection has no busy
    timeout, so the rare lock (a checkpoint) is not waited for on the loop but read the other way.
    """

    def __init__(self, engine: AsyncEngine, query: Select[Any] = VERSION_QUERY) -> None:
        self.engine = engine
        self.query = query
        self.dialect = engine.dialect.name
        self.sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        self._next: asyncio.Future[bytes] | None = None
        self._in_flight = False
        self._driver: Any = None
        self._tasks: set[asyncio.Task[bytes]] = set()
        database = engine.url.database if self.dialect == "sqlite" else None
        self._sqlite_path = database if database and database != ":memory:" else None
        self._sqlite: sqlite3.Connection | None = None
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: self.close())

    async def current(self) -> bytes:
        if self._sqlite_path is not None and (version := self._read_sqlite_here()) is not None:
            return version
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if not self._in_flight:
                # In a context of its own: the read is nobody's request (and never a write's, on SQLite).
                asyncio.get_running_loop().call_soon(self._start, context=contextvars.Context())
        return await asyncio.shield(self._next)

    def _start(self) -> None:
        future, self._next = self._next, None
        if future is None:
            return
        self._in_flight = True
        task = asyncio.ensure_future(self._read())
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finish(done, future))

    def _finish(self, done: asyncio.Task[bytes], future: asyncio.Future[bytes]) -> None:
        self._tasks.discard(done)
        self._in_flight = False
        if not future.cancelled():
            if done.cancelled():
                future.cancel()
            elif (error := done.exception()) is not None:
                future.set_exception(error)
            else:
                future.set_result(done.result())
        if self._next is not None:  # callers arrived while that read was in flight
            self._start()

    def _read_sqlite_here(self) -> bytes | None:
        """The version read at once on this thread, or ``None`` if SQLite cannot answer without waiting."""
        try:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(self._sqlite_path or "", isolation_level=None, check_same_thread=False)
                self._sqlite.execute("PRAGMA busy_timeout=0")
                self._sqlite.execute("PRAGMA query_only=ON")
            row = self._sqlite.execute(self.sql).fetchone()
        except sqlite3.Error:
            self._close_sqlite()
            return None
        return repr(tuple(row)).encode()

    def _close_sqlite(self) -> None:
        connection, self._sqlite = self._sqlite, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    async def _read(self) -> bytes:
        if self.dialect not in ("sqlite", "postgresql"):
            return await read_version(self.engine, self.query)
        try:
            driver = await self._open()
            if self.dialect == "sqlite":
                rows = await driver.execute_fetchall(self.sql)  # aiosqlite, in autocommit (see core.database)
                row = tuple(rows[0])
            else:
                row = tuple(await driver.fetchrow(self.sql))  # asyncpg, outside any transaction
        except Exception:
            self.close()
            return await read_version(self.engine, self.query)
        return repr(row).encode()

    async def _open(self) -> Any:
        if self._driver is None:
            pooled = await self.engine.raw_connection()
            self._driver = pooled.driver_connection
            pooled.detach()  # ours now: the pool neither counts nor resets it
        return self._driver

    def close(self) -> None:
        """Close the reader's own connection (it reopens when next needed).

        Called when the engine is disposed, which ``AsyncEngine.dispose`` does inside SQLAlchemy's
        greenlet: the driver's own ``close`` is awaited there, so nothing is left running once the event
        loop ends. Anywhere else the driver is closed without waiting.
        """
        self._close_sqlite()
        driver, self._driver = self._driver, None
        if driver is None:
            return
        try:
            await_only(driver.close())
        except Exception:
            with contextlib.suppress(Exception):
                driver.stop() if self.dialect == "sqlite" else driver.terminate()


class RenderedCache:
    """One app's rendered bytes of the list's variants, each valid for one projects version."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.versions = VersionReader(engine)
        self._entries: OrderedDict[Hashable, tuple[bytes, bytes]] = OrderedDict()

    async def get_or_render(self, variant: Hashable, render: Callable[[], Awaitable[bytes | None]]) -> bytes | None:
        """The bytes for ``variant`` at the current version; ``render`` returns ``None`` for what must not be
        kept (an error page), which is then rendered afresh each time."""
        version = await self.versions.current()
        kept = self._kept(variant, version)
        if kept is not None:
            return kept
        body = await render()
        if body is not None:
            self._entries[variant] = (version, body)
            self._entries.move_to_end(variant)
            while len(self._entries) > MAX_VARIANTS:
                self._entries.popitem(last=False)
        return body

    async def kept(self, variant: Hashable) -> bytes | None:
        """The bytes for ``variant`` at the current version if this app has them; never renders."""
        return self._kept(variant, await self.versions.current())

    def _kept(self, variant: Hashable, version: bytes) -> bytes | None:
        found = self._entries.get(variant)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(variant)
        return found[1]


@contextlib.asynccontextmanager
async def read_only_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for rendering a list: read, then rolled back and closed (nothing to commit)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session


def project_lists(app: Litestar) -> RenderedCache:
    """The app's cache of project lists (JSON and HTML), made on first use with the app's engine.

    Handlers take no database dependency (a kept page needs no session, and Litestar resolves two or
    more dependencies in a task group, which costs as much as the rest of such a request).
    """
    cache = app.state.get(STATE_KEY)
    if not isinstance(cache, RenderedCache):
        configs = get_database_migration_plugin(app).config
        config: Any = configs[0] if isinstance(configs, list | tuple) else configs
        cache = app.state[STATE_KEY] = RenderedCache(cast("AsyncEngine", config.get_engine()))
    return cache
