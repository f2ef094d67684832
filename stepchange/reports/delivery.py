"""The figures of delivery: milestones, projects by status and RAG, and staffing.

- **Milestones** (``milestones``): every milestone by due date (a work-stream's report: its projects'
  only) and its state: ``done`` (a done date is recorded), ``overdue`` (not done, due before today)
  or ``to come``; ``days_to_go`` is due date minus today (negative when overdue, none once done).
- **Projects by status** (``project_status``) and **by RAG** (``project_rag``): every project of each
  work-stream counted at its current lifecycle status and its current RAG (``not_reported`` until
  its first update).
- **Staffing** (``staffing``): each project open to assignment (not pipeline, delivered or
  withdrawn). ``lead_in_place``: an accepted lead; ``lead_offered``: a lead offered, not yet
  accepted; ``team`` = ``accepted`` + ``offered`` assignments of either role (the lead included);
  ``wanted`` is the project's ``wanted_team_size`` (the office sets it at its desk; 5 unless set,
  :data:`DEFAULT_TEAM_SIZE`); ``short_by`` = wanted - team, never below 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.services import NOT_OPEN
from stepchange.projects.milestones import MilestoneView
from stepchange.projects.models import Milestone, Project, ProjectStatus, Rag
from stepchange.reports.counting import counts_by
from stepchange.reports.schemas import MilestoneCounts, MilestoneRow, RagRow, StaffingRow, StatusRow
from stepchange.reports.scope import Scope, named
from stepchange.reports.window import milestone_window
from stepchange.workstreams.models import Workstream

OVERDUE_SHOWN = dt.timedelta(days=365)
DEFAULT_TEAM_SIZE = 5
"""The team a project wants when it does not say (lead included)."""
NOT_REPORTED = "not_reported"
PROGRAMME = "Programme"
"""What the milestones table shows for the programme's own milestones, in place of a project's code."""


async def milestones(session: AsyncSession, scope: Scope, today: dt.date) -> list[MilestoneRow]:
    query = select(Milestone, Project.code).outerjoin(Project, Milestone.project_id == Project.id)
    if scope.workstream is not None:
        query = query.where(scope.projects())
    rows = await session.execute(query.order_by(Milestone.due_on, Milestone.title))
    return [milestone_row(MilestoneView(m, code, today)) for m, code in rows.all()]


async def project_status(session: AsyncSession, scope: Scope, workstreams: dict[UUID, str]) -> list[StatusRow]:
    rows = await _by_workstream(session, Project.status, scope)
    table = counts_by(named(rows, workstreams), "workstream", list(ProjectStatus), list(workstreams.values()))
    return [StatusRow(**r) for r in table.to_dicts()]


async def project_rag(session: AsyncSession, scope: Scope, workstreams: dict[UUID, str]) -> list[RagRow]:
    rows = await _by_workstream(session, Project.rag, scope)
    coded = [(code, rag or NOT_REPORTED, n) for code, rag, n in named(rows, workstreams)]
    table = counts_by(coded, "workstream", [*Rag, NOT_REPORTED], list(workstreams.values()))
    return [RagRow(**r) for r in table.to_dicts()]


async def _by_workstream(session: AsyncSession, column: Any, scope: Scope) -> Sequence[Any]:
    """``(work-stream id, value of column, projects)`` for the projects in scope."""
    rows = await session.execute(
        select(Project.workstream_id, column, func.count())
        .where(scope.projects())
        .group_by(Project.workstream_id, column)
    )
    return rows.all()


async def staffing(session: AsyncSession, scope: Scope) -> list[StaffingRow]:
    projects = (
        await session.scalars(
            select(Project)
            .join(Workstream, Project.workstream_id == Workstream.id)
            .where(scope.projects(), Project.status.not_in(NOT_OPEN))
            .order_by(Workstream.position, Project.number)
        )
    ).all()
    rows = await session.execute(
        select(Assignment.project_id, Assignment.role, Assignment.status, func.count())
        .where(Assignment.status.in_(ACTIVE), scope.has_project(Assignment.project_id))
        .group_by(Assignment.project_id, Assignment.role, Assignment.status)
    )
    places = {(p, AssignmentRole(r), AssignmentStatus(s)): n for p, r, s, n in rows.all()}
    return [staffing_row(p, places) for p in projects]


def milestone_row(view: MilestoneView) -> MilestoneRow:
    milestone = view.milestone
    state = "done" if milestone.done_on is not None else "overdue" if view.overdue else "to come"
    return MilestoneRow(
        title=milestone.title,
        project=view.project_code or PROGRAMME,
        due_on=milestone.due_on,
        done_on=milestone.done_on,
        state=state,
        days_to_go=view.days_to_go,
    )


def in_view(rows: Sequence[MilestoneRow], today: dt.date) -> list[MilestoneRow]:
    """The milestones the page and its chart show: due, or met, in :func:`milestone_window`, and those
    overdue from the last year (older ones would squeeze the months that matter: the downloads have
    every milestone)."""
    start, end = milestone_window(today)
    return [
        r
        for r in rows
        if (r.state == "overdue" and r.due_on >= today - OVERDUE_SHOWN)
        or start <= r.due_on <= end
        or (r.done_on is not None and start <= r.done_on <= end)
    ]


def milestone_counts(rows: Sequence[MilestoneRow]) -> MilestoneCounts:
    states = [r.state for r in rows]
    return MilestoneCounts(
        total=len(rows), done=states.count("done"), overdue=states.count("overdue"), to_come=states.count("to come")
    )


def wanted_size(project: Project) -> int:
    """The team the project wants (its lead included): its ``wanted_team_size``, 5 when unset."""
    return project.wanted_team_size or DEFAULT_TEAM_SIZE


def staffing_row(project: Project, places: dict[tuple[UUID, AssignmentRole, AssignmentStatus], int]) -> StaffingRow:
    def count(role: AssignmentRole | None, status: AssignmentStatus) -> int:
        roles = list(AssignmentRole) if role is None else [role]
        return sum(places.get((project.id, r, status), 0) for r in roles)

    accepted, offered = count(None, AssignmentStatus.ACCEPTED), count(None, AssignmentStatus.OFFERED)
    wanted = wanted_size(project)
    return StaffingRow(
        project=project.code,
        workstream=project.workstream.code,
        status=project.status.value,
        rag=project.rag.value if project.rag else NOT_REPORTED,
        lead_in_place=count(AssignmentRole.LEAD, AssignmentStatus.ACCEPTED) > 0,
        lead_offered=count(AssignmentRole.LEAD, AssignmentStatus.OFFERED) > 0,
        accepted=accepted,
        offered=offered,
        team=accepted + offered,
        wanted=wanted,
        short_by=max(wanted - accepted - offered, 0),
    )
