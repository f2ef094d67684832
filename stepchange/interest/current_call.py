"""Which call is "the current call": the one every report and the SurveyMonkey import default to.

The rule (issue 25): the call open now; if several are open, the one closing soonest (the same call
the public form takes submissions for); if none is open, the call that stopped taking submissions most
recently (closed on its date or closed early). A call that has not opened yet is never the current
call, however recently it was made: until it opens there is nothing in it to report or import.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.interest.calls import open_at
from stepchange.interest.models import Call


def ended_at() -> ColumnElement[dt.datetime]:
    """When a call stops taking submissions, in SQL: its closing time, or earlier if it was closed early
    (:func:`stepchange.interest.models.ends_at` in Python)."""
    return case(
        (Call.closed_early_at < Call.closes_at, Call.closed_early_at),
        else_=Call.closes_at,
    )


async def current_call(session: AsyncSession, at: dt.datetime | None = None) -> Call | None:
    """The call open at ``at`` (now by default) that closes soonest, else the one that ended last
    before ``at``; ``None`` when no call has opened yet."""
    moment = at or clock.now()
    open_now = await session.scalars(select(Call).where(*open_at(moment)).order_by(Call.closes_at, Call.name).limit(1))
    found = open_now.first()
    if found is not None:
        return found
    ended = await session.scalars(
        select(Call)
        .where(Call.opens_at <= moment, ended_at() <= moment)
        .order_by(ended_at().desc(), Call.opens_at.desc(), Call.name)
        .limit(1)
    )
    return ended.first()
