"""The database config can be built as often as a process needs (each app, each worker, each test)."""

import subprocess
import sys

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import text

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
