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
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core import clock
from stepchange.projects.models import Project, ProjectStatus, Rag, StatusUpdate
from stepchange.reports.schemas import RagMonthRow, StaffingMonthRow
from stepchange.reports.scope import Scope
from stepchange.workstreams.models import Workstream

MONTHS = 12
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
    rag: Rag
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
            before = [u for u in history.get(project.code, []) if u.at < end]
            rag = before[-1].rag.value if before else NOT_REPORTED
            rows.append(RagMonthRow(project.code, project.workstream, start, rag))
        now = project.rag.value if project.rag else NOT_REPORTED
        rows.append(RagMonthRow(project.code, project.workstream, starts[-1], now))
    return rows


async def staffing_trend(session: AsyncSession, scope: Scope, today: dt.date) -> list[StaffingMonthRow]:
    """Counted in one pass over the assignments: a column per month and measure."""
    starts = month_starts(today)
    columns = []
    for end in month_ends(starts):
        accepted, offered = _accepted_at(end), _offered_at(end)
        lead = and_(accepted, Assignment.role == AssignmentRole.LEAD)
        columns += [
            func.sum(case((accepted, 1), else_=0)),
            func.sum(case((offered, 1), else_=0)),
            func.count(func.distinct(case((lead, Assignment.project_id), else_=None))),
        ]
    found = (await session.execute(select(*columns).where(scope.has_project(Assignment.project_id)))).one()
    rows = [
        StaffingMonthRow(start, int(found[3 * i] or 0), int(found[3 * i + 1] or 0), int(found[3 * i + 2] or 0))
        for i, start in enumerate(starts)
    ]
    first = next((i for i, r in enumerate(rows) if r.accepted or r.offered or r.leads_in_place), len(rows) - 1)
    return rows[max(first - 1, 0) :]


def _accepted_at(moment: dt.datetime) -> ColumnElement[bool]:
    """The place was held, accepted, at ``moment``."""
    since = func.coalesce(Assignment.responded_at, Assignment.created_at)
    was_accepted = or_(
        Assignment.status == AssignmentStatus.ACCEPTED,
        and_(Assignment.status == AssignmentStatus.ENDED, Assignment.responded_at.is_not(None)),
    )
    return and_(was_accepted, since < moment, or_(Assignment.ended_at.is_(None), Assignment.ended_at >= moment))


def _offered_at(moment: dt.datetime) -> ColumnElement[bool]:
    """The place was offered at ``moment`` and not yet answered (nor the offer ended)."""
    answered = func.coalesce(Assignment.responded_at, Assignment.ended_at)
    still_offered = or_(
        Assignment.status == AssignmentStatus.OFFERED,
        and_(answered.is_not(None), answered >= moment),
    )
    return and_(Assignment.created_at < moment, still_offered, or_(answered.is_(None), answered >= moment))
