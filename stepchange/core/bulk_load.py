"""Loading many rows in one transaction without keeping every index up to date row by row.

Each row inserted into a table with ten indexes is eleven B-tree insertions, each a search from the root:
for a large load into tables that hold few rows so far, most of the load's time. Building an index once
over the loaded rows is a sort, several times cheaper. So, for a large load, :func:`bulk_load` drops the
tables' plain (non-unique) indexes, lets the load run, and builds them again before the transaction ends.

What stays: primary keys (foreign keys are checked through them) and every unique index or constraint
(they still refuse a duplicate on its row, as before). Everything happens in the caller's transaction,
and DDL is transactional on SQLite and PostgreSQL: a load that fails part way is rolled back with its
indexes dropped-and-not-yet-rebuilt, and the rollback brings every index back as it was.

The price, on PostgreSQL: ``DROP INDEX`` locks its table against readers until the transaction ends, so
the deferral is for loads large beside what the tables already hold (see the import's
``defer_indexes``), not for every import. On SQLite the write lock is the import's anyway, and readers
in other connections (WAL) keep reading the last committed state, indexes included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import Connection, Index, Table, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

SQLITE_CACHE_KIB = 262_144
"""SQLite's page cache during a load (256 MiB; the default is 2 MiB): the indexes' pages stay in memory
instead of being written out and read back as the load moves through them."""
POSTGRESQL_SORT_MEMORY = "256MB"
"""``maintenance_work_mem`` while the indexes are built again: the sort for each index stays in memory."""


def deferrable(tables: Sequence[Table]) -> list[Index]:
    """The plain indexes of ``tables`` (by name, for a stable order): the ones a bulk load may defer."""
    return sorted((index for table in tables for index in table.indexes if not index.unique), key=lambda i: str(i.name))


def _drop_present(connection: Connection, indexes: Sequence[Index]) -> list[Index]:
    """Drop those of ``indexes`` the database has (a table's migration may not have made one yet)."""
    inspector = inspect(connection)
    present = {
        found["name"]
        for table in {index.table.name for index in indexes if index.table is not None}
        for found in inspector.get_indexes(table)
    }
    dropped = [index for index in indexes if index.name in present]
    for index in dropped:
        index.drop(connection)
    return dropped


def _create(connection: Connection, indexes: Sequence[Index]) -> None:
    for index in indexes:
        index.create(connection)


@asynccontextmanager
async def bulk_load(
    connection: AsyncConnection, tables: Sequence[Table], *, defer_indexes: bool
) -> AsyncIterator[None]:
    """Load into ``tables`` inside the block; with ``defer_indexes``, their plain indexes are built after it.

    On SQLite the connection's page cache is enlarged for the block and put back after it. When the block
    raises, nothing is rebuilt: the caller's rollback restores the indexes (see the module's docstring).
    """
    sqlite = connection.dialect.name == "sqlite"
    cache_size = None
    if sqlite:
        cache_size = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one()
        await connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        dropped = await connection.run_sync(_drop_present, deferrable(tables)) if defer_indexes else []
        yield
        if dropped:
            if not sqlite:
                await connection.execute(text(f"SET LOCAL maintenance_work_mem = '{POSTGRESQL_SORT_MEMORY}'"))
            await connection.run_sync(_create, dropped)
    finally:
        if cache_size is not None:
            await connection.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")
