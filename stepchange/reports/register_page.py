"""The register of interests a page at a time, and all of it as a stream of chunks for its downloads.

A page is two statements whatever the register's size (its rows, and its count); a deep page is read
from the position of the page before or after it (keyset pagination: the links carry it), through the
index of the register's order, so it is as quick as the first; a download is one
statement read in chunks, each chunk written out before the next is read (the whole register at
100,000 people is tens of megabytes: no request holds it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.exports import rows_in_chunks
from stepchange.core.templating import uk_datetime
from stepchange.reports.register import (
    Position,
    RegisterFilter,
    RegisterRow,
    position_of,
    register_count,
    register_query,
    register_row,
)


@dataclass(frozen=True)
class RegisterPage:
    """A page of the register, how many rows it has in all, and the positions of its first and last rows
    (for the links to the pages before and after it)."""

    rows: list[RegisterRow]
    total: int
    first: Position | None
    last: Position | None


async def register_page(
    session: AsyncSession,
    narrowed: RegisterFilter,
    *,
    limit: int,
    offset: int,
    after: Position | None = None,
    before: Position | None = None,
) -> RegisterPage:
    """One page of the register, for these filters: the ``limit`` rows after a position, before one, or
    (with neither) ``offset`` rows in. A page in the second half by offset is read from the end, so the
    last pages are as quick as the first."""
    total = int(await session.scalar(register_count(narrowed)) or 0)
    if after is not None or before is not None:
        statement = register_query(narrowed, after or before, forwards=after is not None).limit(limit)
        found = list((await session.execute(statement)).all())
        rows = found if after is not None else found[::-1]
    elif offset > total // 2:
        end = min(offset + limit, total)
        statement = register_query(narrowed, forwards=False).limit(max(end - offset, 0)).offset(total - end)
        rows = list((await session.execute(statement)).all())[::-1]
    else:
        rows = list((await session.execute(register_query(narrowed).limit(limit).offset(offset))).all())
    ends = (position_of(rows[0]), position_of(rows[-1])) if rows else (None, None)
    return RegisterPage([register_row(row) for row in rows], total, *ends)


async def register_chunks(session: AsyncSession, narrowed: RegisterFilter) -> AsyncIterator[Sequence[RegisterRow]]:
    """The whole register a chunk at a time, from one statement read as it goes."""
    async for rows in rows_in_chunks(session, register_query(narrowed)):
        yield [register_row(row) for row in rows]


def cells(row: RegisterRow) -> list[Any]:
    """A register row as a download's cells, times in UK time as people read them."""
    return [
        str(row.volunteer_id),
        row.volunteer,
        row.volunteer_organisation,
        uk_datetime(row.declared_at),
        row.kind,
        row.declared_organisation,
        row.description,
        row.projects,
        row.state,
        row.reason,
        row.mitigation,
        row.reviewed_by,
        uk_datetime(row.reviewed_at),
    ]


async def register_cells(session: AsyncSession) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The whole register a chunk at a time, as the downloads' cells."""
    async for chunk in register_chunks(session, RegisterFilter()):
        yield [cells(row) for row in chunk]
