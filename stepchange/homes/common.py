"""What every home shares: a count with the first few items behind it, and the programme's day arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.people.models import one_month_after as one_month_after

T = TypeVar("T")
SHOWN = 5
"""How many items of a queue a home lists; the count says how many there are and the link shows them all."""


@dataclass(frozen=True)
class Queue(Generic[T]):
    """A piece of work: how many there are (counted in the database) and the first :data:`SHOWN` of them."""

    total: int
    items: Sequence[T] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


async def count(session: AsyncSession, model: Any, *where: ColumnElement[bool]) -> int:
    """How many rows of ``model`` match: counted by the database, never by loading the rows."""
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def first(session: AsyncSession, query: Select[*tuple[Any, ...]], limit: int = SHOWN) -> list[Any]:
    return list((await session.execute(query.limit(limit))).all())


def days_since(moment: dt.datetime | None, today: dt.date | None = None) -> int | None:
    """Whole UK days from ``moment`` to today."""
    if moment is None:
        return None
    return ((today or clock.uk_today()) - clock.uk_day(moment)).days
