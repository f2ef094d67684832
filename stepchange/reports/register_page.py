"""The register of interests a page at a time, and all of it as a stream of chunks for its downloads.

A page is two statements whatever the register's size (its rows, and its count); a download is one
statement read in chunks, each chunk written out before the next is read (the whole register at
100,000 people is tens of megabytes: no request holds it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.exports import rows_in_chunks
from stepchange.core.templating import uk_datetime
from stepchange.reports.register import RegisterFilter, RegisterRow, register_count, register_query, register_row


async def register_page(
    session: AsyncSession, narrowed: RegisterFilter, *, limit: int, offset: int
) -> tuple[list[RegisterRow], int]:
    """One page of the register and how many rows it has in all, for these filters."""
    total = int(await session.scalar(register_count(narrowed)) or 0)
    rows = (await session.execute(register_query(narrowed).limit(limit).offset(offset))).all()
    return [register_row(row) for row in rows], total


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
