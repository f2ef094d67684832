"""The database config can be built as often as a process needs (each app, each worker, each test)."""

import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest
from advanced_alchemy._listeners import AsyncCacheListener
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import NullPool, text
from sqlalchemy.ext.asyncio import create_async_engine

from stepchange.core import pool_ping
from stepchange.core.database import session_scope

# Builds more configs than Python's default recursion limit allows advanced-alchemy's key search to
# skip over, in a process of its own so the count doesn't depend on what else the suite has built.
MANY_CONFIGS = """
import sys
from stepchange.core.database import build_database_config
from stepchange.core.settings import Settings

settings = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/unused")
first = build_database_config(settings)
for _ in range(sys.getrecursionlimit() + 50):
    config = build_database_config(settings)
assert config.session_scope_key == first.session_scope_key, config.session_scope_key
print("built")
"""


def test_a_process_can_build_more_configs_than_the_recursion_limit() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", MANY_CONFIGS], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "built"


async def test_postgresql_connections_never_compile_statements_just_in_time(db_config: SQLAlchemyAsyncConfig) -> None:
    """A report's statements cost enough to trigger JIT compilation, which took longer than running them."""
    async with session_scope(db_config) as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("PostgreSQL's setting")
        assert (await session.execute(text("SHOW jit"))).scalar_one() == "off"


async def _backend_pid(config: SQLAlchemyAsyncConfig) -> int:
    async with session_scope(config) as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


def _pings(config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the pool's checks of a connection before use."""
    dialect = config.get_engine().sync_engine.dialect
    checked: list[int] = []
    real = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        checked.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return checked


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The pool's idea of now, ``seconds`` ahead: connections returned before seem to have sat idle."""
    real = time.monotonic
    monkeypatch.setattr(pool_ping, "time", SimpleNamespace(monotonic=lambda: real() + seconds))


async def test_a_connection_back_from_use_a_moment_ago_is_used_without_a_check(
    db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load a check costs three round trips per transaction and tells nothing a failed statement would not."""
    if db_config.get_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pool")
    first = await _backend_pid(db_config)
    checked = _pings(db_config, monkeypatch)
    assert await _backend_pid(db_config) == first and checked == [], "the same connection, straight back into use"
    _later(monkeypatch, pool_ping.PING_AFTER_IDLE + 1)
    assert await _backend_pid(db_config) == first and checked == [1], "idle too long: checked first"


async def test_a_connection_closed_while_idle_is_replaced_before_the_request_uses_it(
    db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server restart or a proxy dropping idle connections never reaches the request that comes next."""
    if db_config.get_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pool")
    idle = await _backend_pid(db_config)
    admin = create_async_engine(db_config.get_engine().url, poolclass=NullPool)  # not the pool's own connection
    async with admin.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": idle})
    await admin.dispose()
    _later(monkeypatch, pool_ping.PING_AFTER_IDLE + 1)
    assert await _backend_pid(db_config) != idle, "a new connection, and no error"


async def test_sessions_skip_the_cache_listener_the_service_does_not_use(db_config: SQLAlchemyAsyncConfig) -> None:
    """advanced-alchemy asks at every commit whether its cache listener is on, reading options three ways."""
    async with session_scope(db_config) as session:
        assert AsyncCacheListener._is_listener_enabled(session.sync_session) is False
