"""Check a pooled PostgreSQL connection before use only when it has sat idle (issue 28: submissions).

SQLAlchemy's ``pool_pre_ping`` checks every connection at every checkout; with asyncpg that is three
round trips (``BEGIN``, ``;``, ``ROLLBACK``) before each transaction, and a submission runs two
transactions. Under load a connection goes back to the pool and out again within milliseconds, and a
check then tells nothing a failed statement would not: if the server went away in that instant, the
statement fails, SQLAlchemy sees a disconnect and replaces every pooled connection, just as a failed
ping would have. A connection that has been idle longer than :data:`PING_AFTER_IDLE` (the server may
have restarted meanwhile, or a proxy dropped it) is checked as before, and replaced if dead, so the
request that meets it never sees the failure.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

PING_AFTER_IDLE = 1.0
"""Seconds a connection may sit in the pool and still be used unchecked: shorter than a PostgreSQL
restart, so a connection last used before one is always checked."""

_RETURNED_AT = "stepchange_returned_at"
"""Kept in the connection's ``info``, which SQLAlchemy clears when it replaces the connection: a new
connection has none and is used unchecked (it was just opened), as ``pool_pre_ping`` does."""


def ping_idle_connections(engine: AsyncEngine, *, idle: float = PING_AFTER_IDLE) -> None:
    """Check each connection at checkout if it has been back in the pool for more than ``idle`` seconds."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        if dbapi_connection is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _check_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at <= idle:
            return
        # The ping pool_pre_ping itself runs: it tells a closed connection from any other error.
        if not dialect._do_ping_w_event(dbapi_connection):
            # The pool replaces this connection (and every other older one) and checks out afresh.
            raise exc.InvalidatePoolError("the database connection was closed while idle")
