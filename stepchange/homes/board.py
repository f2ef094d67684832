"""The board's home: the exceptions (the reports' own rules, counted the same way) and the way to the report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.reports import delivery, exceptions, history
from stepchange.reports.schemas import ExceptionRow
from stepchange.reports.scope import Scope, workstream_names

BY_RULE = ("red", "amber", "stale", "milestone_overdue", "escalated")


@dataclass(frozen=True)
class BoardHome:
    exceptions: list[ExceptionRow]
    counts: dict[str, int]
    """How many exceptions break each rule (one project may break several)."""
    stale_days: int


async def board_home(session: AsyncSession, stale_days: int) -> BoardHome:
    """Every exception of the programme, as the board's report lists them (``reports.exceptions``)."""
    scope, today = Scope(), clock.uk_today()
    evidence = exceptions.Evidence(
        await history.updates(session, scope),
        await delivery.milestones(session, scope, today),
        await delivery.staffing(session, scope),
        await exceptions.escalated_actions(session, scope),
        await exceptions.recruiting_closed(session, scope),
    )
    names = await workstream_names(session, scope)
    rows = exceptions.exceptions(await history.projects(session, scope), evidence, names, today, stale_days)
    counts = {rule: sum(1 for row in rows if any(r.rule == rule for r in row.reasons)) for rule in BY_RULE}
    return BoardHome(rows, counts, stale_days)
