"""A demo call to action open now (if none is), offering the priority projects, so the form can be tried."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.interest.calls import CallService, last_moment
from stepchange.interest.models import Call
from stepchange.projects.models import Project

DEMO_CALL_DAYS = 60


async def open_demo_call(session: AsyncSession, base_url: str) -> str:
    """Open a call for the next 60 days unless one is open; says which call is open, and until when."""
    if (open_now := await CallService(session=session).open_call()) is not None:
        return f"{open_now.name} is already open until {last_moment(open_now)}"
    now = clock.now()
    projects = list((await session.scalars(select(Project).where(Project.is_priority))).all())
    call = Call(
        name=f"Demo call to action {now:%Y-%m-%d %H:%M}",
        opens_at=now,
        closes_at=now + dt.timedelta(days=DEMO_CALL_DAYS),
        projects=projects,
    )
    session.add(call)
    return f"Opened {call.name} until {last_moment(call)}: try the form at {base_url}/interest"
