"""The database: one advanced-alchemy config for the app, the CLI and migrations.

SQLite is the embedded default (WAL, a busy timeout, foreign keys on, ``BEGIN IMMEDIATE`` for
transactions that will write); PostgreSQL through asyncpg is the production engine.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import Enum, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from stepchange.core.settings import PROJECT_ROOT, Settings

__all__ = ("Base", "build_database_config", "enum_type", "immediate_transaction", "session_scope")

Base = UUIDAuditBase
"""Every table has a UUID ``id`` and ``created_at``/``updated_at`` in UTC."""


def enum_type(kind: type[enum.Enum], name: str) -> Enum:
    """Store an enum as its values in a VARCHAR with a CHECK: the same on SQLite and PostgreSQL."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda k: [m.value for m in k],
        validate_strings=True,
    )


SQLITE_BUSY_TIMEOUT_MS = 10_000
IMMEDIATE = "stepchange_immediate"


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    """Turn on WAL, the busy timeout and foreign keys; let us choose how each transaction begins."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take control of BEGIN away from the driver so we can say DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def build_database_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The advanced-alchemy config; the Litestar plugin and ``stepchange database`` share it."""
    engine_config = EngineConfig(pool_pre_ping=not settings.is_sqlite)
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        create_all=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(PROJECT_ROOT / "migrations"),
            script_config=str(PROJECT_ROOT / "alembic.ini"),
            version_table_name="alembic_version",
            render_as_batch=True,
        ),
    )
    if settings.is_sqlite:
        _install_sqlite_pragmas(config.get_engine())
    return config


@asynccontextmanager
async def session_scope(config: SQLAlchemyAsyncConfig) -> AsyncIterator[AsyncSession]:
    """A session outside a request (CLI, background tasks): commits on success, rolls back on error."""
    async with config.get_session() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def immediate_transaction(session: AsyncSession) -> None:
    """Call first in a read-then-write unit of work: on SQLite it takes the write lock at BEGIN.

    Elsewhere the option is ignored; on PostgreSQL row locks and constraints do this job.
    """
    if not session.in_transaction():
        await session.connection(execution_options={IMMEDIATE: True})
