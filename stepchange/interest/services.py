"""Calls to action: their windows in UK time, and which call is open now."""

from __future__ import annotations

import datetime as dt

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import or_

from stepchange.core.templating import UK
from stepchange.interest.models import Call


def start_of_day_uk(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in Europe/London, as a UTC instant."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=UK).astimezone(dt.UTC)


def end_of_day_uk(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` ends in Europe/London: "closing 25 May" means this."""
    return start_of_day_uk(day + dt.timedelta(days=1))


def is_open(call: Call, at: dt.datetime) -> bool:
    closes = min(call.closes_at, call.closed_early_at) if call.closed_early_at else call.closes_at
    return call.opens_at <= at < closes


class CallRepository(SQLAlchemyAsyncRepository[Call]):
    model_type = Call


class CallService(SQLAlchemyAsyncRepositoryService[Call, CallRepository]):
    repository_type = CallRepository

    async def open_call(self, at: dt.datetime | None = None) -> Call | None:
        """The call open at ``at`` (now by default) that closes soonest, if any."""
        at = at or dt.datetime.now(dt.UTC)
        found = await self.get_many(
            Call.opens_at <= at,
            Call.closes_at > at,
            or_(Call.closed_early_at.is_(None), Call.closed_early_at > at),
            order_by=[(Call.closes_at, False)],
        )
        return found[0] if found else None

    async def latest(self) -> Call | None:
        found = await self.get_many(order_by=[(Call.opens_at, True)])
        return found[0] if found else None
