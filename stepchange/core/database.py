"""The database: one advanced-alchemy config for the app, the CLI and migrations.

SQLite is the embedded default (WAL, a busy timeout, foreign keys on, ``BEGIN IMMEDIATE`` for
transactions that will write); PostgreSQL through asyncpg is the production engine.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    get_database_migration_plugin,
)
from advanced_alchemy.extensions.litestar import async_autocommit_handler_maker as autocommit_handler_maker
from advanced_alchemy.types import EncryptedString, EncryptedText, FernetBackend
from litestar.enums import ScopeType
from litestar.types import ASGIApp, BeforeMessageSendHookHandler, Message, Receive, Scope, Send
from sqlalchemy import JSON, Dialect, Enum, Executable, Table, TypeDecorator, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.types import TypeEngine

from stepchange.core.pool_ping import ping_idle_connections
from stepchange.core.settings import PROJECT_ROOT, Settings, get_settings

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = (
    "Base",
    "EncryptedJson",
    "JsonDocument",
    "TransactionMiddleware",
    "build_database_config",
    "enum_type",
    "immediate_transaction",
    "session_scope",
)

Base = UUIDAuditBase
"""Every table has a UUID ``id`` and ``created_at``/``updated_at`` in UTC."""

JsonDocument = JSON().with_variant(JSONB(), "postgresql")
"""JSON, stored as JSONB on PostgreSQL (advanced-alchemy's JsonB does not yet work with SQLAlchemy 2.1)."""


def enum_type(kind: type[enum.Enum], name: str) -> Enum:
    """Store an enum as its values in a VARCHAR with a CHECK: the same on SQLite and PostgreSQL.

    ``name`` names the CHECK constraint, so it must be unique within a table (two status columns, two names).
    """
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda k: [m.value for m in k],
        validate_strings=True,
    )


logger = logging.getLogger("stepchange.database")
SQLITE_BUSY_TIMEOUT_MS = 10_000
IMMEDIATE = "stepchange_immediate"
WRITE_INTENT: ContextVar[bool] = ContextVar("stepchange_write_intent", default=False)
"""Set for requests that change things: on SQLite their transaction takes the write lock at BEGIN,
so a read-then-write never fails half-way because another writer committed in between."""
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    """Turn on WAL, the busy timeout, foreign keys and secure delete; let us choose how each transaction begins."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take control of BEGIN away from the driver so we can say DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten rows are zeroed on disk, so erased personal data leaves the file too.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE) or WRITE_INTENT.get()
        conn.exec_driver_sql(f"BEGIN {'IMMEDIATE' if immediate else 'DEFERRED'}")


POSTGRESQL_SETTINGS = {"jit": "off"}
"""Each PostgreSQL connection's settings. JIT compilation is for long analytical queries: a report's
statements are estimated costly enough to trigger it (over ``jit_above_cost``) but run in a fraction of
a second, and compiling them took longer than running them (issue 28: a work-stream report's one
statement, 1.5 s of which 1.0 s JIT, on a loaded machine)."""


def build_database_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The advanced-alchemy config; the Litestar plugin and ``stepchange database`` share it."""
    engine_config = EngineConfig()
    if not settings.is_sqlite:
        engine_config.connect_args = {"server_settings": POSTGRESQL_SETTINGS}
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=engine_config,
        # advanced-alchemy's cache listener asks at every commit whether it is on, reading options three ways
        # (a seventh of a millisecond per submission); the service keeps no cache through it.
        session_config=AsyncSessionConfig(expire_on_commit=False, info={"enable_cache_listener": False}),
        create_all=False,
        enable_file_object_listener=False,  # no FileObject columns; it costs a new engine view per flush
        alembic_config=AlembicAsyncConfig(
            script_location=str(PROJECT_ROOT / "migrations"),
            script_config=str(PROJECT_ROOT / "alembic.ini"),
            version_table_name="alembic_version",
            render_as_batch=True,
        ),
    )
    _forget_state_keys(config)
    # Commit on 2xx and on redirects (forms answer 303), roll back otherwise.
    config.before_send_handler = autocommit_handler_maker(
        commit_on_redirect=True, session_scope_key=config.session_scope_key
    )
    if settings.is_sqlite:
        _install_sqlite_pragmas(config.get_engine())
    else:
        ping_idle_connections(config.get_engine())
    return config


def _forget_state_keys(config: SQLAlchemyAsyncConfig) -> None:
    """Take this config's keys back out of advanced-alchemy's process-wide registries.

    advanced-alchemy renames a key already taken by an earlier config in the process (``_1``,
    ``_2`` … found by a recursive search), and never forgets one. Each app holds exactly one
    config, whose keys only name places in that app's own state and requests, so configs of
    different apps cannot clash; without this, a process that builds many apps (the test suite,
    a long-lived worker) piles up keys until the search overflows the stack.
    """
    registries = (
        (SQLAlchemyAsyncConfig._SESSION_SCOPE_KEY_REGISTRY, config.session_scope_key),
        (SQLAlchemyAsyncConfig._ENGINE_APP_STATE_KEY_REGISTRY, config.engine_app_state_key),
        (SQLAlchemyAsyncConfig._SESSIONMAKER_APP_STATE_KEY_REGISTRY, config.session_maker_app_state_key),
    )
    for registry, key in registries:
        registry.discard(key)


def app_database_config(app: Litestar) -> SQLAlchemyAsyncConfig:
    """The database config an app was built with: how the command line's commands reach the database."""
    config = get_database_migration_plugin(app).config
    return cast(SQLAlchemyAsyncConfig, config[0] if isinstance(config, list | tuple) else config)


class TransactionMiddleware:
    """Commits (2xx/3xx) or rolls back the request's transaction before anything else is sent.

    It sits inside the session middleware, so the request's own changes are committed before the
    session store writes (one writer at a time on SQLite), and nothing is acknowledged uncommitted.
    """

    def __init__(self, app: ASGIApp, *, finish: BeforeMessageSendHookHandler) -> None:
        self.app = app
        self.finish = finish

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        async def send_after_commit(message: Message) -> None:
            pending = self.finish(message, scope)
            if pending is not None:
                await pending
            await send(message)

        token = WRITE_INTENT.set(scope.get("method", "GET") in UNSAFE_METHODS)
        try:
            await self.app(scope, receive, send_after_commit)
        finally:
            WRITE_INTENT.reset(token)


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


def encryption_key() -> str:
    """The key for personal data at rest: read from settings when used, so it is stable across restarts."""
    return get_settings().encryption_key


class KeptCipher(FernetBackend):
    """Fernet, with its cipher made once per key.

    Given a key read at use (:func:`encryption_key`), advanced-alchemy mounts the vault again before every
    value: a SHA-256 of the key and a new ``Fernet``, a few per cent of a submission's processor time
    (issue 28). The key is still read for every value, so a changed key takes effect at once.
    """

    _mounted_key: str | bytes | None = None

    def mount_vault(self, key: str | bytes) -> None:
        if key != self._mounted_key:
            super().mount_vault(key)
            self._mounted_key = key


def sealed_text() -> EncryptedText:
    """A text column sealed at rest with the programme's key (Fernet, ``STEPCHANGE_ENCRYPTION_KEY``)."""
    return EncryptedText(key=encryption_key, backend=KeptCipher)


def sealed_string(length: int) -> EncryptedString:
    """A string column of at most ``length`` characters, sealed at rest like :func:`sealed_text`."""
    return EncryptedString(key=encryption_key, backend=KeptCipher, length=length)


class EncryptedJson(TypeDecorator[Any]):
    """A JSON value encrypted at rest like ``EncryptedText`` (Fernet, ``STEPCHANGE_ENCRYPTION_KEY``).

    The sealed text is stored as a JSON string, so the column keeps its JSON (JSONB) type: sealing an
    existing JSON column needs no change of schema, only of its rows.
    """

    impl = JSON
    cache_ok = True

    def __init__(self) -> None:
        super().__init__()
        self.sealed = sealed_text()

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.sealed.process_bind_param(json.dumps(value), dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        opened = None if value is None else self.sealed.process_result_value(value, dialect)
        return None if opened is None else json.loads(opened)


def periodic_lifespan(
    config: SQLAlchemyAsyncConfig, every: float, job: Callable[[AsyncSession], Awaitable[object]], name: str
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running ``job`` in its own committed transaction every ``every`` seconds.

    A failing run is logged (its exception class only: no personal data) and the next one goes ahead.
    """

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                try:
                    async with session_scope(config) as session:
                        await job(session)
                except Exception as exc:
                    logger.warning("%s failed: %s", name, type(exc).__name__)
                await asyncio.sleep(every)

        task = asyncio.create_task(loop(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return lifespan


def upsert_insert(session_or_dialect: AsyncSession | str, target: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the engine in use that can take ``ON CONFLICT`` (both dialects spell it alike)."""
    dialect = session_or_dialect if isinstance(session_or_dialect, str) else dialect_of(session_or_dialect)
    return postgresql.insert(target) if dialect == "postgresql" else sqlite.insert(target)


def table_of(model: Any) -> Table:
    """A mapped class's table, typed as one."""
    return cast(Table, model.__table__)


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def run_core(session: AsyncSession, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
    """Run a Core statement built once (a module-level constant: building one costs more than running
    it) with these parameters (a dict, or a list of them for many rows), in the session's transaction
    but without the ORM: no objects are made, and the unit of work does not see the rows."""
    connection = await session.connection()
    return await connection.execute(statement, parameters)


@asynccontextmanager
async def _set_for_block(
    session: AsyncSession, setting: str, value: str, *, needed: bool = True
) -> AsyncIterator[None]:
    """On PostgreSQL (and when ``needed``), one planner setting for the statements in the block, then back to
    the default. A failure leaves it to the transaction's rollback (``SET LOCAL``)."""
    postgresql = needed and dialect_of(session) == "postgresql"
    if postgresql:
        await session.execute(text(f"SET LOCAL {setting} = {value}"))
    yield
    if postgresql:
        await session.execute(text(f"SET LOCAL {setting} = DEFAULT"))


def planned_afresh(session: AsyncSession, *, needed: bool = True) -> AbstractAsyncContextManager[None]:
    """On PostgreSQL, plan each statement in the block for its values and tables as they are now.

    A prepared statement run often gets a generic plan after five runs, which suits neither the import nor
    the desk. The import's look-ups run hundreds of times as prepared statements while their tables grow
    from nothing: a generic plan made early (a sequential scan of an empty table) would be kept and make the
    import quadratic. Only for the look-ups: the foreign-key checks of every row written are prepared
    statements too, and planning each of those afresh (a million of them at 100,000 rows) was most of
    PostgreSQL's work. Not ``needed``: the block looks nothing up, and nothing is set. The desk's order
    (``desk.ordering``) is planned afresh too: a generic plan for every project's lists took 3 s instead of
    under one.
    """
    return _set_for_block(session, "plan_cache_mode", "force_custom_plan", needed=needed)


def walked_in_order(session: AsyncSession) -> AbstractAsyncContextManager[None]:
    """On PostgreSQL, answer the block's statements by walking an index in their order, not by sorting.

    For a page deep into a long list found by its offset (the register's positions): PostgreSQL prices the
    walk by its estimate of every row's look-ups and prefers to join and sort the whole list (spilling to
    disk) even to skip 50,000 rows; the walk stops at the page and took less than half the time (issue 28,
    100,000 people: 105 against 250 ms). A sort it cannot avoid is still made (``enable_sort`` only prices
    one dear).
    """
    return _set_for_block(session, "enable_sort", "off")


class SecondEventLoop(RuntimeError):
    """The application was started on a second event loop while still running on another."""


def one_event_loop(app: Any) -> AbstractAsyncContextManager[None]:
    """A Litestar lifespan refusing to start the application on a second event loop while it runs on one.

    The application's database connections (and the counters' engines) belong to the loop that opened them;
    an application served by two loops at once (two test clients on one app, each with its loop in its own
    thread) used one asyncpg connection from both, and the driver's C code crashed the process with a
    segmentation fault. One application object, one running event loop: a second start is refused at once.
    """

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        running = getattr(app.state, "event_loop", None)
        here = asyncio.get_running_loop()
        if running is not None and running is not here and not running.is_closed():
            raise SecondEventLoop("This application is already running on another event loop: make another")
        app.state.event_loop = here
        try:
            yield
        finally:
            app.state.event_loop = None

    return lifespan()
