"""The figures of interest shown in the calls: the funnel and the demand per project.

- **Interest funnel per call** (``funnel``), each stage a subset of the one before:
  ``submitted``: people with an expression of interest in the call (any status, withdrawn
  included; one per person per call); ``email_confirmed``: of them, people whose address was
  confirmed: now e-mail confirmed, organisation confirmed or validated, or rejected after
  confirming (their identity history holds such a step; identity only ever climbs, but for a
  rejection, so that is everyone who ever confirmed);
  ``validated``: of them, people validated now; ``assigned``: of them, people with an offered or
  accepted assignment to a project the call offered. A work-stream's funnel counts only people who
  chose one of its projects in that call, and assignments to its projects; it lists the calls that
  offered any of its projects.
- **Demand per project** (``demand``): each project offered in at least one call; ``calls``: how
  many calls offered it; ``choices``: choices of it in expressions not withdrawn, across all calls;
  ``lead_choices``: of them, sought as lead; ``first_choices``: of them, ranked first.
  ``unasked``: offered but never chosen. Least asked-for first, so those lead the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, case, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus, call_project
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.models import Project
from stepchange.reports.counting import code_number, scanned
from stepchange.reports.schemas import DemandRow, FunnelRow
from stepchange.reports.scope import Scope
from stepchange.workstreams.models import Workstream

EMAIL_CONFIRMED_OR_BEYOND = (Identity.EMAIL_CONFIRMED, Identity.ORGANISATION_CONFIRMED, Identity.VALIDATED)


async def calls(session: AsyncSession, scope: Scope) -> Sequence[Call]:
    """The calls, first opened first: every call, or those offering one of the work-stream's projects."""
    query = select(Call).options(lazyload(Call.projects)).order_by(Call.opens_at, Call.name)
    if scope.workstream is not None:
        offered = select(call_project.c.call_id).join(Project, call_project.c.project_id == Project.id)
        query = query.where(Call.id.in_(offered.where(scope.projects())))
    return (await session.scalars(query)).all()


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """The expression chose one of the projects in scope (always, for the programme)."""
    if scope.workstream is None:
        return true()
    return exists().where(Choice.expression_id == Expression.id, scope.has_project(Choice.project_id))


async def funnel(session: AsyncSession, scope: Scope, calls: Sequence[Call]) -> list[FunnelRow]:
    """Each stage counted per call on its own: every count reads indexes only, even at scale."""
    confirmed = (
        select(Volunteer.id)
        .where(Volunteer.identity.in_(EMAIL_CONFIRMED_OR_BEYOND))
        .union(
            select(IdentityStep.volunteer_id)
            .join(Volunteer, IdentityStep.volunteer_id == Volunteer.id)
            .where(Volunteer.identity == Identity.REJECTED, IdentityStep.step.in_(EMAIL_CONFIRMED_OR_BEYOND))
        )
    )
    validated = Expression.volunteer_id.in_(select(Volunteer.id).where(Volunteer.identity == Identity.VALIDATED))
    placed = exists().where(
        Assignment.volunteer_id == Expression.volunteer_id,
        Assignment.status.in_(ACTIVE),
        Assignment.project_id == call_project.c.project_id,
        call_project.c.call_id == Expression.call_id,
        scope.has_project(Assignment.project_id),
    )
    stages = [
        await _per_call(session, scope),
        await _per_call(session, scope, Expression.volunteer_id.in_(confirmed)),
        await _per_call(session, scope, validated),
        await _per_call(session, scope, validated, placed),
    ]
    return [FunnelRow(c.name, *(stage.get(c.id, 0) for stage in stages)) for c in calls]


async def _per_call(session: AsyncSession, scope: Scope, *where: ColumnElement[bool]) -> dict[UUID, int]:
    """People per call (one expression each) whose expression meets every condition."""
    rows = await session.execute(
        select(Expression.call_id, func.count()).where(in_scope(scope), *where).group_by(Expression.call_id)
    )
    return {call_id: int(n) for call_id, n in rows.all()}


async def demand(session: AsyncSession, scope: Scope) -> list[DemandRow]:
    offered = (
        select(call_project.c.project_id, func.count().label("calls")).group_by(call_project.c.project_id)
    ).subquery()
    projects = await session.execute(
        select(Project.id, Project.code, Workstream.code, Project.title, offered.c.calls, Workstream.position)
        .join(offered, offered.c.project_id == Project.id)
        .join(Workstream, Project.workstream_id == Workstream.id)
        .where(scope.projects())
    )
    project = scanned(Choice.project_id)
    chosen = await session.execute(
        select(
            project,
            func.count(),
            func.sum(case((Choice.role == ChoiceRole.LEAD, 1), else_=0)),
            func.sum(case((Choice.rank == 1, 1), else_=0)),
        )
        .where(
            Choice.expression_id.not_in(select(Expression.id).where(Expression.status == ExpressionStatus.WITHDRAWN)),
            scope.has_project(Choice.project_id),
        )
        .group_by(project)
    )
    counts = {p: (int(n), int(lead or 0), int(first or 0)) for p, n, lead, first in chosen.all()}
    rows = [
        (position, code, DemandRow(code, ws, title, calls, *counts.get(p, (0, 0, 0)), unasked=p not in counts))
        for p, code, ws, title, calls, position in projects.all()
    ]
    ordered = sorted(rows, key=lambda r: (r[2].choices, r[0], code_number(r[1])))
    return [row for *_, row in ordered]
