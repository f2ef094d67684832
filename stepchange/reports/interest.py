"""The figures of interest shown in the calls: the funnel of every call and the demand in the report's call.

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
- **Demand per project** (``demand``), for the report's call (the current call unless the board
  chose another): each project that call offered (a work-stream's report: its projects only);
  ``choices``: choices of it in the call's expressions not withdrawn; ``lead_choices``: of them,
  sought as lead; ``first_choices``: of them, ranked first. ``unasked``: offered but never chosen.
  Least asked-for first, so those lead the table.

At national scale every count reads indexes only (``reports.indexes``): see each function for how.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.core.sql import scanned
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus, call_project
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.models import Project
from stepchange.reports.counting import code_number
from stepchange.reports.schemas import DemandRow, FunnelRow
from stepchange.reports.scope import Scope
from stepchange.workstreams.models import Workstream

EMAIL_CONFIRMED_OR_BEYOND = (Identity.EMAIL_CONFIRMED, Identity.ORGANISATION_CONFIRMED, Identity.VALIDATED)
Counts = dict[UUID, tuple[int, int, int]]
"""Choices, lead choices and first choices, by project."""
Stages = tuple[int, int, int, int]
"""A call's funnel: submitted, e-mail confirmed, validated, assigned."""


async def calls(session: AsyncSession, scope: Scope) -> Sequence[Call]:
    """The calls, first opened first: every call, or those offering one of the work-stream's projects."""
    query = select(Call).options(lazyload(Call.projects)).order_by(Call.opens_at, Call.name)
    if scope.workstream is not None:
        offered = select(call_project.c.call_id).join(Project, call_project.c.project_id == Project.id)
        query = query.where(Call.id.in_(offered.where(scope.projects())))
    return (await session.scalars(query)).all()


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """The expression chose one of the projects in scope (always, for the programme): a semi-join on the
    set of choosing expressions, read once from the choices' covering index, rather than a search of the
    choices for each expression (issue 28: two thirds of a national call choose the larger work-streams)."""
    if scope.workstream is None:
        return true()
    return Expression.id.in_(select(Choice.expression_id).where(scope.has_project(Choice.project_id)))


def confirmed_once() -> ColumnElement[bool]:
    """The person's address was confirmed, now or before a rejection (reads only ``STEPS_BY_KIND``)."""
    return or_(
        Volunteer.identity.in_(EMAIL_CONFIRMED_OR_BEYOND),
        and_(Volunteer.identity == Identity.REJECTED, _stepped(*EMAIL_CONFIRMED_OR_BEYOND)),
    )


def placed_in_call(scope: Scope) -> ColumnElement[bool]:
    """The expression's person holds an offered or accepted place on a project its call offered (in scope)."""
    return exists().where(
        Assignment.volunteer_id == Expression.volunteer_id,
        Assignment.status.in_(ACTIVE),
        Assignment.project_id == call_project.c.project_id,
        call_project.c.call_id == Expression.call_id,
        scope.has_project(Assignment.project_id),
    )


async def expressions_per_call(session: AsyncSession) -> dict[UUID, int]:
    """Every call's expressions (any status, whoever they are from): a count of the call index only."""
    return await _by_call(session, select(Expression.call_id, func.count()))


def funnel(calls: Sequence[Call], counted: dict[UUID, Stages]) -> list[FunnelRow]:
    """Each call's row of the funnel counted (by :func:`programme_funnel`, or with a work-stream's other
    interest figures: ``reports.workstream_interest``), 0 where it has none."""
    return [FunnelRow(c.name, *counted.get(c.id, (0, 0, 0, 0))) for c in calls]


async def programme_funnel(session: AsyncSession, submitted: dict[UUID, int]) -> dict[UUID, Stages]:
    """``submitted``: :func:`expressions_per_call`, counted once for the funnel and the demand. Each stage
    from the smallest set that gives it, through covering indexes only: every expression by
    call; the people never confirmed (still submitted, or rejected without a confirmed step) and the
    validated, each from the people's identity index to their expressions; the placed from the
    assignments. Confirmed = submitted - never confirmed."""
    call = scanned(Expression.call_id)
    by_person = select(call, func.count()).join(Volunteer, Volunteer.id == Expression.volunteer_id)
    never_confirmed = [
        await _by_call(session, by_person.where(Volunteer.identity == Identity.SUBMITTED), call),
        await _by_call(
            session,
            by_person.where(Volunteer.identity == Identity.REJECTED, ~_stepped(*EMAIL_CONFIRMED_OR_BEYOND)),
            call,
        ),
    ]
    validated = await _by_call(session, by_person.where(Volunteer.identity == Identity.VALIDATED), call)
    placed = await _by_call(
        session,
        select(call, func.count(func.distinct(Expression.volunteer_id)))
        .join(Assignment, Assignment.volunteer_id == Expression.volunteer_id)
        .join(
            call_project,
            and_(call_project.c.project_id == Assignment.project_id, call_project.c.call_id == Expression.call_id),
        )
        .where(
            Assignment.status.in_(ACTIVE),
            Expression.volunteer_id.in_(select(Volunteer.id).where(Volunteer.identity == Identity.VALIDATED)),
        ),
        call,
    )
    return {
        c: (n, n - sum(stage.get(c, 0) for stage in never_confirmed), validated.get(c, 0), placed.get(c, 0))
        for c, n in submitted.items()
    }


def _stepped(*steps: Identity) -> ColumnElement[bool]:
    """The person's identity history holds one of these steps."""
    return exists().where(IdentityStep.step.in_(steps), IdentityStep.volunteer_id == Volunteer.id)


async def _by_call(session: AsyncSession, query: Select[Any, Any], key: Any = Expression.call_id) -> dict[UUID, int]:
    rows = await session.execute(query.group_by(key))
    return {call: int(n) for call, n in rows.all()}


async def demand(session: AsyncSession, scope: Scope, call: Call | None, per_call: dict[UUID, int]) -> list[DemandRow]:
    if call is None:
        return []
    projects = await session.execute(
        select(Project.id, Project.code, Workstream.code, Project.title, Workstream.position)
        .join(call_project, and_(call_project.c.project_id == Project.id, call_project.c.call_id == call.id))
        .join(Workstream, Project.workstream_id == Workstream.id)
        .where(scope.projects())
    )
    offered = projects.all()
    counts = await choices_in_call(session, call.id, [p for p, *_ in offered], per_call)
    rows = [
        (position, code, DemandRow(code, ws, title, *counts.get(p, (0, 0, 0)), unasked=p not in counts))
        for p, code, ws, title, position in offered
    ]
    ordered = sorted(rows, key=lambda r: (r[2].choices, r[0], code_number(r[1])))
    return [row for *_, row in ordered]


async def choices_in_call(
    session: AsyncSession, call_id: UUID, projects: list[UUID], per_call: dict[UUID, int]
) -> Counts:
    """Choices of each project in the call's expressions not withdrawn.

    When the call holds most expressions, counting every choice of the projects (the choices' covering
    index, read in project order) and taking away those of the other expressions (other calls', and
    this call's withdrawn) reads far fewer rows than finding each of the call's choices; when it holds
    few, its own expressions' choices are counted directly. Both give the same counts.
    """
    if not projects:
        return {}
    mine = int(per_call.get(call_id, 0))
    if mine <= sum(per_call.values()) - mine:
        return await _choice_counts(session, projects, (Expression.call_id == call_id, _not_withdrawn()))
    everything = await _choice_counts(session, projects, None)
    others = [c for c in per_call if c != call_id]
    taken = [
        await _choice_counts(session, projects, (Expression.call_id.in_(others),)) if others else {},
        await _choice_counts(
            session, projects, (Expression.status == ExpressionStatus.WITHDRAWN, Expression.call_id == call_id)
        ),
    ]
    left = {p: _minus(counted, [t.get(p, (0, 0, 0)) for t in taken]) for p, counted in everything.items()}
    return {p: counted for p, counted in left.items() if counted[0] > 0}


def _minus(counted: tuple[int, int, int], taken: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    n, lead, first = counted
    return (n - sum(t[0] for t in taken), lead - sum(t[1] for t in taken), first - sum(t[2] for t in taken))


def _not_withdrawn() -> ColumnElement[bool]:
    return Expression.status != ExpressionStatus.WITHDRAWN


async def _choice_counts(
    session: AsyncSession, projects: list[UUID], expressions: tuple[ColumnElement[bool], ...] | None
) -> Counts:
    """Choices, lead choices and first choices of each project, of the expressions meeting every condition
    in ``expressions``: found from those expressions (every project's, kept to ``projects`` here: asking
    the database for both would make it try each project with each expression). With ``None``, of every
    expression: then only the choices' covering index is read, project by project."""
    query = select(
        Choice.project_id,
        func.count(),
        func.sum(case((Choice.role == ChoiceRole.LEAD, 1), else_=0)),
        func.sum(case((Choice.rank == 1, 1), else_=0)),
    )
    if expressions is None:
        query = query.where(Choice.project_id.in_(projects))
    else:
        query = query.where(Choice.expression_id.in_(select(Expression.id).where(*expressions)))
    rows = await session.execute(query.group_by(Choice.project_id))
    wanted = set(projects)
    return {p: (int(n), int(lead or 0), int(first or 0)) for p, n, lead, first in rows.all() if p in wanted}
