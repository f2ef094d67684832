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

from stepchange.core.database import walked_in_order
from stepchange.core.exports import rows_in_chunks
from stepchange.core.templating import uk_datetime
from stepchange.reports.register import (
    Position,
    RegisterFilter,
    RegisterRow,
    position_of,
    positions_query,
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
    (with neither) ``offset`` rows in: then the position it starts from is found first, by the rows' ids
    alone (from the end, in the register's second half), so no skipped row's text or review is read."""
    total = int(await session.scalar(register_count(narrowed)) or 0)
    if after is None and before is None and offset > 0:
        after, before = await _position_at(session, narrowed, offset, limit, total)
        limit = min(limit, max(total - offset, 0))
    if after is None and before is None:
        rows = list((await session.execute(register_query(narrowed).limit(limit))).all())
    else:
        forwards = before is None
        statement = register_query(narrowed, after if forwards else before, forwards=forwards).limit(limit)
        found = list((await session.execute(statement)).all())
        rows = found if forwards else found[::-1]
    ends = (position_of(rows[0]), position_of(rows[-1])) if rows else (None, None)
    return RegisterPage([register_row(row) for row in rows], total, *ends)


async def _position_at(
    session: AsyncSession, narrowed: RegisterFilter, offset: int, limit: int, total: int
) -> tuple[Position | None, Position | None]:
    """The position a page ``offset`` rows in is read from: the row before it, counted from the start, or
    (in the register's second half) the row after it, counted from the end: each found by positions alone."""
    end = min(offset + limit, total)
    if offset <= total // 2 or end == total:
        async with walked_in_order(session):
            found = (await session.execute(positions_query(narrowed).limit(1).offset(offset - 1))).first()
        return (Position(*found) if found else None), None
    async with walked_in_order(session):
        backwards = positions_query(narrowed, forwards=False).limit(1).offset(total - end - 1)
        found = (await session.execute(backwards)).first()
    return None, (Position(*found) if found else None)


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
