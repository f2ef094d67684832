"""Who is cleared for a project: what a co-chair may know of the people interested in or placed on it.

Never a declaration: only whether the conflict rules (:mod:`stepchange.ethics.conflicts`) let each person
work on the project, beside the project's own commercial-advantage clearance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.core.authz import Role, require_runs_workstream
from stepchange.core.guards import Principal
from stepchange.ethics.conflicts import cleared_for
from stepchange.ethics.models import latest_project_review
from stepchange.ethics.services import ProjectClearance
from stepchange.interest.models import Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.projects.services import ProjectService


@dataclass(frozen=True)
class PersonClearance:
    """What a co-chair may know of a person interested in or assigned to their project."""

    volunteer: Volunteer
    interested_as: ChoiceRole | None
    assignment: Assignment | None
    cleared: bool


@dataclass
class TeamClearance:
    """A project's clearance and, for each person interested in or placed on it, whether they are cleared."""

    project_clearance: ProjectClearance
    people: list[PersonClearance] = field(default_factory=list)


async def team_clearance(session: AsyncSession, actor: Principal, code: str) -> TeamClearance:
    """The project's review and who is cleared for it (co-chairs: only their own work-stream's projects)."""
    project = await ProjectService(session=session).by_code(code)
    if actor.role == Role.CO_CHAIR:
        require_runs_workstream(actor, project.workstream_id, "see who is cleared for this project")
    result = TeamClearance(ProjectClearance(project, await session.scalar(latest_project_review(project.id))))
    interest = await _interest(session, project)
    placed = await _placed(session, project)
    people = await session.scalars(
        select(Volunteer).where(Volunteer.id.in_(interest.keys() | placed.keys())).order_by(Volunteer.name)
    )
    for person in people.all():
        result.people.append(
            PersonClearance(
                volunteer=person,
                interested_as=interest.get(person.id),
                assignment=placed.get(person.id),
                cleared=await cleared_for(session, person.id, project),
            )
        )
    return result


async def _interest(session: AsyncSession, project: Project) -> dict[UUID, ChoiceRole]:
    rows = await session.execute(
        select(Expression.volunteer_id, Choice.role)
        .join(Choice, Choice.expression_id == Expression.id)
        .where(Choice.project_id == project.id, Expression.status != ExpressionStatus.WITHDRAWN)
    )
    return dict(rows.all())


async def _placed(session: AsyncSession, project: Project) -> dict[UUID, Assignment]:
    rows = await session.scalars(
        select(Assignment).where(Assignment.project_id == project.id, Assignment.status.in_(ACTIVE))
    )
    return {a.volunteer_id: a for a in rows.all()}
