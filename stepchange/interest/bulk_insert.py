"""Inserting many rows at once: one executemany per batch (``COPY`` on PostgreSQL), each value bound by its
column's own type, the next batch prepared while the last one runs. The import writes everything with it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, TypeVar, cast
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Column, TypeDecorator, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from stepchange.people.services import TableRows

WRITE_BATCH = 5_000
T = TypeVar("T")


def guid_bytes(value: Any) -> bytes | None:
    """An id as a binary GUID column stores it on SQLite: its 16 bytes, as the type binds it, without the
    type's checks for other databases on each value (an import binds about 17 ids a row)."""
    if value is None:
        return None
    try:
        return cast(bytes, value.bytes)  # a UUID, standard or uuid_utils'
    except AttributeError:
        return cast(UUID, GUID.to_uuid(value)).bytes  # hex text, as the type accepts it


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkInsert:
    """``INSERT`` many rows with one executemany per batch, each value bound by its column's own type.

    The statement is compiled by SQLAlchemy for the connection's dialect, and every value goes through
    its column type's bind processor — so phone numbers and declarations are encrypted by their
    ``EncryptedString``/``EncryptedText`` columns, ids and times stored exactly as the models store
    them — but a value shared by every row is processed once, and no per-row dictionaries or ORM
    objects are made. Should the table need anything this does not supply (a column added later with
    a Python default), it falls back to SQLAlchemy's own executemany.

    Each statement runs while the next batch's values are prepared: :meth:`settle` waits for it, and
    must be awaited before the connection is used for anything else.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.pending: asyncio.Future[Any] | None = None
        self.prepared: dict[tuple[str, tuple[str, ...]], tuple[str, list[Any], list[str]] | None] = {}
        self.copier: Any = None
        """On PostgreSQL, the asyncpg connection: rows go in with ``COPY``, not one ``INSERT`` each."""

    async def settle(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            await pending

    async def drain(self) -> None:
        """After a failure elsewhere: wait for a statement still running (its own outcome no longer
        matters), so the connection is free for the rollback."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            with contextlib.suppress(Exception):
                await pending

    async def _run(self, statement: Awaitable[Any]) -> None:
        await self.settle()
        self.pending = asyncio.ensure_future(statement)
        await asyncio.sleep(0)  # let it reach the database before the next batch is prepared

    def _processor(self, column: Column[Any], sealed: bool) -> Callable[[Any], Any] | None:
        kind = column.type
        if isinstance(kind, GUID) and kind.binary and self.dialect.name == "sqlite":
            return guid_bytes
        if sealed and isinstance(kind, TypeDecorator):
            # Already through the type's own ``process_bind_param``: only what its storage type adds.
            inner: Callable[[Any], Any] | None = kind.load_dialect_impl(self.dialect).bind_processor(self.dialect)
            return inner
        processor: Callable[[Any], Any] | None = kind.dialect_impl(self.dialect).bind_processor(self.dialect)
        return processor

    def _prepare(self, batch: TableRows) -> tuple[str, list[Any], list[str]] | None:
        """The compiled statement and, for each of its parameters, where its value comes from: a column
        of the rows, a value shared by all of them, or (for a column the import does not set) the
        column's own Python default. ``None`` when SQLAlchemy must do it (a default needing more)."""
        key = (batch.table.name, batch.columns + tuple(batch.constants))
        if key not in self.prepared:
            names = [*batch.columns, *batch.constants]
            compiled = insert(batch.table).compile(dialect=self.dialect, column_keys=names)
            position = {name: i for i, name in enumerate(batch.columns)}
            plan: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
            for name in compiled.positiontup or ():
                column = batch.table.c[name]
                processor = self._processor(column, name in batch.sealed)
                default = cast(Any, column.default)  # a ColumnDefault when it is scalar or callable
                if name in position:
                    plan.append(("row", position[name], processor))
                elif name in batch.constants:
                    value = batch.constants[name]
                    plan.append(("shared", processor(value) if processor is not None else value, None))
                elif default is not None and default.is_scalar:
                    plan.append(("shared", processor(default.arg) if processor is not None else default.arg, None))
                elif default is not None and default.is_callable:
                    plan.append(("default", default.arg, processor))
                else:
                    break
            else:
                columns = [batch.table.c[name].name for name in compiled.positiontup or ()]
                self.prepared[key] = (compiled.string, plan, columns)
                return self.prepared[key]
            self.prepared[key] = None
        return self.prepared[key]

    async def insert(self, batch: TableRows) -> None:
        if not batch.rows:
            return
        prepared = self._prepare(batch)
        if prepared is None:
            await self._insert_with_defaults(batch)
            return
        sql, plan, names = prepared
        if self.dialect.name == "postgresql" and self.copier is None:
            self.copier = (await self.connection.get_raw_connection()).driver_connection
        for chunk in chunks(batch.rows, WRITE_BATCH):
            # Column by column, each value through its column type's processor, as SQLAlchemy binds them.
            columns = list(zip(*chunk, strict=True))
            size = len(chunk)
            bound: list[Iterable[Any]] = []
            for kind, source, how in plan:
                if kind == "shared":
                    bound.append(repeat(source, size))
                elif kind == "row":
                    bound.append(columns[source] if how is None else map(how, columns[source]))
                else:
                    made = [source(None) for _ in range(size)]  # SQLAlchemy's wrapped defaults take a context
                    bound.append(made if how is None else map(how, made))
            rows = list(zip(*bound, strict=True))
            if self.copier is not None:
                # Within the transaction, like any statement; each row is checked by its constraints
                # and triggers as an INSERT's would be, without a statement executed per row.
                await self._run(self.copier.copy_records_to_table(batch.table.name, records=rows, columns=names))
            else:
                await self._run(self.connection.exec_driver_sql(sql, rows))

    async def _insert_with_defaults(self, batch: TableRows) -> None:
        if batch.sealed:
            raise RuntimeError(f"{batch.table.name} needs values the import does not supply")
        for chunk in chunks(batch.rows, WRITE_BATCH):
            rows = [{**dict(zip(batch.columns, row, strict=True)), **batch.constants} for row in chunk]
            await self._run(self.connection.execute(insert(batch.table), rows))
