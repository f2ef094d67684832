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


def for_this_engine(dialect: str) -> Any:
    """Leave out of the comparison what the models declare for another engine only (``ddl_if``: the audit
    trail's trigram indexes are PostgreSQL's)."""

    def include(thing: Any, _name: Any, kind: str, _reflected: bool, _compare_to: Any) -> bool:
        only = getattr(thing, "_ddl_if", None) if kind == "index" else None
        return only is None or only.dialect is None or only.dialect == dialect

    return include


def test_migrations_build_the_models_schema(databases: Databases) -> None:
    url = databases.empty()
    migrate(url)
    config = build_database_config(Settings(database_url=url))

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": compare_type, "include_object": for_this_engine(connection.dialect.name)}
        )
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


def test_no_upgrade_loses_a_row(databases: Databases) -> None:
    """Altering a table on SQLite copies it and drops the old one; with foreign keys on, that drop would
    delete every row referring to it (a column added to meetings deleted their minutes). Rows written
    before the sealing revision must all be there after upgrading to the head."""
    from advanced_alchemy.alembic.commands import AlembicCommands
    from sqlalchemy import func, select, table

    from tests.test_data_at_rest import sealing_revision, write_plain_rows

    start = str(sealing_revision().down_revision)
    url = databases.empty()
    config = build_database_config(Settings(database_url=url))
    commands = AlembicCommands(sqlalchemy_config=config)

    async def counts(write: bool = False) -> dict[str, int]:
        try:
            if write:
                await write_plain_rows(config)
            async with config.get_engine().connect() as connection:
                names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
                found = {}
                for name in sorted(set(names) - {"alembic_version"}):
                    found[name] = (await connection.execute(select(func.count()).select_from(table(name)))).scalar_one()
                return {name: count for name, count in found.items() if count}
        finally:
            await config.get_engine().dispose()

    commands.upgrade(revision=start)
    before = asyncio.run(counts(write=True))
    assert {"workstream_meeting", "workstream_minutes", "workstream_action", "outbox_message"} <= set(before)
    commands.upgrade(revision="head")
    after_upgrade = asyncio.run(counts())
    assert {name: after_upgrade.get(name, 0) for name in before} == before
