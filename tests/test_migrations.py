"""The Alembic migrations build an empty database that matches the models exactly, on either engine."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.types import TypeDecorator

from stepchange.core.database import Base, build_database_config
from stepchange.core.settings import Settings
from tests.conftest import Databases, migrate


def compare_type(_context: Any, _column: Any, _reflected: Any, _reflected_type: Any, model_type: Any) -> bool | None:
    """Compare column types, except advanced-alchemy's decorators, which reflect as their storage type."""
    if isinstance(model_type, TypeDecorator) and type(model_type).__module__.startswith("advanced_alchemy"):
        return False
    return None


def test_migrations_build_the_models_schema(databases: Databases) -> None:
    url = databases.empty()
    migrate(url)
    config = build_database_config(Settings(database_url=url))

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        return list(compare_metadata(context, Base.metadata))

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async def check() -> tuple[list[object], set[str]]:
        async with config.get_engine().connect() as connection:
            found = await connection.run_sync(diff), await connection.run_sync(tables)
        await config.get_engine().dispose()
        return found

    differences, names = asyncio.run(check())
    assert differences == []
    assert {"workstream", "project", "milestone", "key_activity", "call", "call_project"} <= names
