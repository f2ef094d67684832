"""Loading many rows in one transaction without keeping every index up to date row by row.

Each row inserted into a table with ten indexes is eleven B-tree insertions, each a search from the root:
for a large load into tables that hold few rows so far, most of the load's time. Building an index once
over the loaded rows is a sort, several times cheaper. So, for a large load, :func:`bulk_load` drops the
tables' plain (non-unique) indexes, lets the load run, and builds them again before the transaction ends.

What stays: primary keys (foreign keys are checked through them) and every unique index or constraint
(they still refuse a duplicate on its row, as before). On PostgreSQL the foreign keys between the loaded
tables are dropped too and added back after the load, which checks every row against them at once
(:func:`inner_keys`); a row that breaks one fails the load there. Everything happens in the caller's transaction,
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
from typing import NamedTuple

from sqlalchemy import Table, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

SQLITE_CACHE_KIB = 262_144
"""SQLite's page cache during a load (256 MiB; the default is 2 MiB): the indexes' pages stay in memory
instead of being written out and read back as the load moves through them."""
POSTGRESQL_SORT_MEMORY = "256MB"
"""``maintenance_work_mem`` while the indexes are built again: the sort for each index stays in memory."""


class PlainIndex(NamedTuple):
    """A plain index as the database holds it: its name and the statement that makes it again."""

    name: str
    definition: str


class InnerKey(NamedTuple):
    """A foreign key between two of the loaded tables, as PostgreSQL holds it."""

    table: str
    name: str
    definition: str


_SQLITE_PLAIN = text("""
SELECT m.name, m.sql FROM sqlite_master AS m, pragma_index_list(m.tbl_name) AS l
WHERE m.type = 'index' AND l.name = m.name AND l.origin = 'c' AND NOT l."unique" AND m.tbl_name IN :tables
ORDER BY m.name
""").bindparams(bindparam("tables", expanding=True))
_POSTGRESQL_PLAIN = text("""
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(:tables)
  AND NOT x.indisunique AND NOT x.indisprimary
  AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
""")
_POSTGRESQL_INNER_KEYS = text("""
SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid JOIN pg_class AS f ON f.oid = c.confrelid
WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
  AND f.relnamespace = t.relnamespace AND t.relname = ANY(:tables) AND f.relname = ANY(:tables)
ORDER BY t.relname, c.conname
""")


async def deferrable(connection: AsyncConnection, tables: Sequence[Table]) -> list[PlainIndex]:
    """The plain indexes the database has on ``tables``, by name: the ones a bulk load may defer.

    Read from the database, not the models: an index a migration made, or one declared in a module this
    process never imported, is kept up to date row by row all the same, so it must be found there; and
    each comes back from the database's own definition (partial, expression or trigram indexes alike).
    Indexes behind a unique or exclusion constraint, and primary keys, are not plain.
    """
    query = _SQLITE_PLAIN if connection.dialect.name == "sqlite" else _POSTGRESQL_PLAIN
    rows = await connection.execute(query, {"tables": [table.name for table in tables]})
    return [PlainIndex(name, definition) for name, definition in rows]


async def inner_keys(connection: AsyncConnection, tables: Sequence[Table]) -> list[InnerKey]:
    """On PostgreSQL, the foreign keys from one of ``tables`` to another (none on SQLite, which cannot drop one).

    Each row inserted is checked against its foreign keys by a trigger running a query per row and key
    (twelve a person in the import); a key added to a full table is checked by one join instead. A key
    between two loaded tables can be dropped for the load without locking anything more: the plain
    indexes' ``DROP INDEX`` already holds both tables. Keys to other tables (a choice's project, an
    expression's call) stay and are checked row by row, so the tables the public reads are never locked.
    """
    if connection.dialect.name != "postgresql":
        return []
    rows = await connection.execute(_POSTGRESQL_INNER_KEYS, {"tables": [table.name for table in tables]})
    return [InnerKey(table, name, definition) for table, name, definition in rows]


@asynccontextmanager
async def bulk_load(
    connection: AsyncConnection, tables: Sequence[Table], *, defer_indexes: bool
) -> AsyncIterator[None]:
    """Load into ``tables`` inside the block; with ``defer_indexes``, their plain indexes are built after it
    (and, on PostgreSQL, the foreign keys between them added back, checked by one join each).

    On SQLite the connection's page cache is enlarged for the block and put back after it. When the block
    raises, nothing is rebuilt: the caller's rollback restores the indexes (see the module's docstring).
    """
    sqlite = connection.dialect.name == "sqlite"
    cache_size = None
    if sqlite:
        cache_size = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one()
        await connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    quote = connection.dialect.identifier_preparer.quote
    try:
        dropped = await deferrable(connection, tables) if defer_indexes else []
        keys = await inner_keys(connection, tables) if dropped else []
        for key in keys:
            await connection.exec_driver_sql(f"ALTER TABLE {quote(key.table)} DROP CONSTRAINT {quote(key.name)}")
        for index in dropped:
            await connection.exec_driver_sql(f"DROP INDEX {quote(index.name)}")
        yield
        if dropped and not sqlite:
            await connection.execute(text(f"SET LOCAL maintenance_work_mem = '{POSTGRESQL_SORT_MEMORY}'"))
        for index in dropped:
            await connection.exec_driver_sql(index.definition)
        for key in keys:
            await connection.exec_driver_sql(
                f"ALTER TABLE {quote(key.table)} ADD CONSTRAINT {quote(key.name)} {key.definition}"
            )
    finally:
        if cache_size is not None:
            await connection.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")
