"""Idempotent seeding: add the rows whose natural key is missing, never touch the ones that exist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_missing(
    session: AsyncSession, model: type[DeclarativeBase], key: str, rows: Sequence[Mapping[str, Any]]
) -> tuple[int, int]:
    """Insert the ``rows`` whose ``key`` value is not yet in ``model``'s table, in one bulk statement.

    Existing rows are left exactly as they are, so later edits survive a re-seed.
    Returns ``(added, kept)``.
    """
    column = getattr(model, key)
    wanted = [row[key] for row in rows]
    existing = set((await session.scalars(select(column).where(column.in_(wanted)))).all())
    missing = [dict(row) for row in rows if row[key] not in existing]
    if missing:
        await session.execute(insert(model), missing)
    return len(missing), len(rows) - len(missing)
