"""The projects as the report reads them, their dated updates, and the trends over the last twelve months.

- **RAG over time** (``rag_trend``): each project in scope that has reported a RAG, at the end of
  each UK calendar month from the first in which any project reported (at most twelve months ago):
  the RAG of its latest update before the month ended (``not_reported`` before its first); for this
  month, its RAG now.
- **Staffing over time** (``staffing_trend``): at the end of each of the last twelve months (this
  month: now), from the month before the first place was offered: places accepted (an accepted
  place counts from its answer, or from its offer when no answer time is recorded, until it ended),
  places offered and still awaiting an answer (from the offer until it was answered or ended), and
  projects with an accepted lead. A work-stream's: its projects only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core import clock
from stepchange.projects.models import Project, ProjectStatus, Rag, StatusUpdate
from stepchange.reports.counting import utc_hour
from stepchange.reports.schemas import RagMonthRow, StaffingMonthRow
from stepchange.reports.scope import Scope
from stepchange.workstreams.models import Workstream

MONTHS = 12
LATER = "\uffff"
"""After every hour: this month's figures count every event so far, this very hour's too."""
NOT_REPORTED = "not_reported"


@dataclass(frozen=True)
class ProjectInfo:
    """A project in scope, as the exceptions and changes read it."""

    id: UUID
    code: str
    title: str
    workstream: str
    status: ProjectStatus
    rag: Rag | None
    added_at: dt.datetime


@dataclass(frozen=True)
class UpdateInfo:
    """One dated status update of a project in scope."""

    project: str
    at: dt.datetime
    previous_status: ProjectStatus
    status: ProjectStatus
    rag: Rag | None
    summary: str


async def projects(session: AsyncSession, scope: Scope) -> list[ProjectInfo]:
    """The projects in scope, in the Call to Action's order."""
    rows = await session.execute(
        select(
            Project.id, Project.code, Project.title, Workstream.code, Project.status, Project.rag, Project.created_at
        )
        .join(Workstream, Project.workstream_id == Workstream.id)
        .where(scope.projects())
        .order_by(Workstream.position, Project.number)
    )
    return [ProjectInfo(*row) for row in rows.all()]


async def updates(session: AsyncSession, scope: Scope) -> list[UpdateInfo]:
    """Every status update of the projects in scope, oldest first."""
    rows = await session.execute(
        select(
            Project.code,
            StatusUpdate.created_at,
            StatusUpdate.previous_status,
            StatusUpdate.status,
            StatusUpdate.rag,
            StatusUpdate.summary,
        )
        .join(Project, StatusUpdate.project_id == Project.id)
        .where(scope.projects())
        .order_by(StatusUpdate.created_at, StatusUpdate.id)
    )
    return [UpdateInfo(*row) for row in rows.all()]


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``count`` months, this one last."""
    starts, month = [], today.replace(day=1)
    for _ in range(count):
        starts.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return starts[::-1]


def month_ends(starts: list[dt.date]) -> list[dt.datetime]:
    """The instant each month ended (UK time); this month's: now."""
    ends = [clock.start_of_day_uk(later) for later in starts[1:]]
    return [*ends, clock.now()]


def rag_trend(projects: list[ProjectInfo], updates: list[UpdateInfo], today: dt.date) -> list[RagMonthRow]:
    first = clock.uk_day(updates[0].at).replace(day=1) if updates else today.replace(day=1)
    starts = [start for start in month_starts(today) if start >= first]
    ends = month_ends(starts)
    history: dict[str, list[UpdateInfo]] = {}
    for update in updates:
        history.setdefault(update.project, []).append(update)
    rows = []
    for project in projects:
        if project.rag is None and project.code not in history:
            continue
        for start, end in zip(starts[:-1], ends[:-1], strict=True):
            rated = [u.rag for u in history.get(project.code, []) if u.at < end and u.rag is not None]
            rag = rated[-1].value if rated else NOT_REPORTED
            rows.append(RagMonthRow(project.code, project.workstream, start, rag))
        now = project.rag.value if project.rag else NOT_REPORTED
        rows.append(RagMonthRow(project.code, project.workstream, starts[-1], now))
    return rows


async def staffing_trend(session: AsyncSession, scope: Scope, today: dt.date) -> list[StaffingMonthRow]:
    """Counted from the places' events by hour (accepted, ended, offered, answered), each read once, and
    the few accepted leads: a month's figure is the events before it ended, less those that undid them."""
    starts = month_starts(today)
    ends = [_hour(end) for end in month_ends(starts)[:-1]] + [LATER]
    events: dict[str, list[tuple[str, int]]] = {}
    for kind, hour, n in (await session.execute(_events(scope))).all():
        events.setdefault(kind, []).append((str(hour).replace("T", " "), int(n)))
    leads = (
        await session.execute(
            select(Assignment.project_id, _accepted_since(), Assignment.ended_at).where(
                scope.has_project(Assignment.project_id), _was_accepted(), Assignment.role == AssignmentRole.LEAD
            )
        )
    ).all()

    def before(kind: str, end: str) -> int:
        return sum(n for hour, n in events.get(kind, []) if hour < end)

    rows = [
        StaffingMonthRow(
            start,
            before("accepted", end) - before("accepted_ended", end),
            before("offered", end) - before("answered", end),
            len({p for p, since, ended in leads if _hour(since) < end and (ended is None or _hour(ended) >= end)}),
        )
        for start, end in zip(starts, ends, strict=True)
    ]
    first = next((i for i, r in enumerate(rows) if r.accepted or r.offered or r.leads_in_place), None)
    return rows[-1:] if first is None else rows[max(first - 1, 0) :]


def _hour(moment: dt.datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return f"{aware.astimezone(dt.UTC):%Y-%m-%d %H}"


def _events(scope: Scope) -> Any:
    """``(kind, UTC hour, places)``: when places were accepted (and when those ended), and when places
    were offered (and when those offers were answered or ended)."""
    answered = func.coalesce(Assignment.responded_at, Assignment.ended_at)
    offered = or_(Assignment.status == AssignmentStatus.OFFERED, answered.is_not(None))

    def by_hour(kind: str, moment: Any, *where: ColumnElement[bool]) -> Any:
        hour = utc_hour(moment)
        return (
            select(literal(kind), hour, func.count())
            .where(scope.has_project(Assignment.project_id), *where)
            .group_by(hour)
        )

    return union_all(
        by_hour("accepted", _accepted_since(), _was_accepted()),
        by_hour("accepted_ended", Assignment.ended_at, _was_accepted(), Assignment.ended_at.is_not(None)),
        by_hour("offered", Assignment.created_at, offered),
        by_hour("answered", answered, answered.is_not(None)),
    )


def _accepted_since() -> ColumnElement[dt.datetime]:
    """An accepted place counts from its answer, or from its offer when no answer time is recorded."""
    return func.coalesce(Assignment.responded_at, Assignment.created_at)


def _was_accepted() -> ColumnElement[bool]:
    return or_(
        Assignment.status == AssignmentStatus.ACCEPTED,
        and_(Assignment.status == AssignmentStatus.ENDED, Assignment.responded_at.is_not(None)),
    )
