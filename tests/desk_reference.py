"""The desk's order as it was worked out before it was asked of the database: every chooser read as a
Python object, ranked one by one by :class:`~stepchange.desk.ranking.Ranker` and sorted. Kept for the
tests only, as the reference the database's order must equal."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole
from stepchange.core.settings import get_settings
from stepchange.desk.balance import Mix, classified_parts, member_of
from stepchange.desk.ranking import Chooser, Ranked, Ranker
from stepchange.ethics.conflicts import Blocking, blocking_by_person
from stepchange.ethics.models import ReviewState
from stepchange.interest.models import Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project


@dataclass(frozen=True)
class Reference:
    suggested: list[Ranked]
    refused: list[Ranked]


async def choosers(session: AsyncSession, project: Project) -> list[Chooser]:
    """Everyone (not erased, their expression not withdrawn) who chose the project, at their best choice."""
    rows = await session.execute(
        select(
            Volunteer.id,
            Volunteer.organisation,
            Volunteer.sector,
            Volunteer.identity,
            Volunteer.hours_per_month,
            Volunteer.created_at,
            Choice.rank,
            Choice.role,
        )
        .join(Expression, Expression.volunteer_id == Volunteer.id)
        .join(Choice, Choice.expression_id == Expression.id)
        .where(
            Choice.project_id == project.id,
            Expression.status != ExpressionStatus.WITHDRAWN,
            Volunteer.erased_at.is_(None),
        )
    )
    best: dict[UUID, Chooser] = {}
    for row in rows.all():
        found = best.get(row[0])
        # a tie between two calls' choices of the same rank went to whichever row came first; now to the lead
        if found is None or (row[6], row[7] is not ChoiceRole.LEAD) < (found.rank, found.role is not ChoiceRole.LEAD):
            best[row[0]] = Chooser(*row)
    return list(best.values())


def _held_back_order(found: Blocking) -> tuple[bool, bool]:
    """Pending before excluded, naming the project before naming none (they came in the rows' order)."""
    return found.state is not ReviewState.PENDING, not found.names_projects


async def reference(session: AsyncSession, code: str, *, without_team: bool) -> Reference:
    """Both lists whole, in the desk's order, worked out in Python."""
    project = (await session.scalars(select(Project).where(Project.code == code))).one()
    team = (
        await session.execute(
            select(Assignment.role, Volunteer.id, Volunteer.organisation, Volunteer.sector)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project.id, Assignment.status.in_(ACTIVE))
        )
    ).all()
    hours = await session.execute(
        select(Assignment.volunteer_id, func.coalesce(func.sum(Assignment.hours), 0))
        .where(Assignment.status.in_(ACTIVE))
        .group_by(Assignment.volunteer_id)
    )
    parts = await classified_parts(session)
    blocking = await blocking_by_person(session, project.id)
    ranker = Ranker(
        project=project,
        mix=Mix.of([member_of(organisation, sector, parts) for _, _, organisation, sector in team]),
        share_limit=get_settings().team_max_share_percent,
        parts=parts,
        blocking={person: sorted(found, key=_held_back_order) for person, found in blocking.items()},
        hours={volunteer_id: int(taken or 0) for volunteer_id, taken in hours.all()},
        team={volunteer_id for _, volunteer_id, _, _ in team},
        lead_taken=any(role is AssignmentRole.LEAD for role, _, _, _ in team),
    )
    ranked = [ranker.rank(person) for person in await choosers(session, project)]
    in_order = sorted(ranked, key=lambda r: (r.key, r.chooser.volunteer_id))
    refused = [r for r in in_order if r.refused_because and not (without_team and r.on_team)]
    return Reference([r for r in in_order if not r.refused_because], refused)
