"""Facts about a project's team that the domains below assignments ask for through their sockets."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.people.models import Volunteer
from stepchange.projects.facts import TeamPlace


class TeamFacts:
    """Answers :class:`~stepchange.ethics.facts.TeamFactSource` and the lead half of the project facts."""

    async def lead_accepted(self, session: AsyncSession, project_id: UUID) -> bool:
        found = await session.scalar(
            select(
                exists().where(
                    Assignment.project_id == project_id,
                    Assignment.role == AssignmentRole.LEAD,
                    Assignment.status == AssignmentStatus.ACCEPTED,
                )
            )
        )
        return bool(found)

    async def places(self, session: AsyncSession, project_id: UUID) -> list[TeamPlace]:
        """The offered and accepted places on the project, the lead first, then by name."""
        rows = await session.execute(
            select(Assignment, Volunteer)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project_id, Assignment.status.in_(ACTIVE))
            .order_by(Assignment.created_at)
        )
        places = [
            TeamPlace(person.name, person.organisation, place.role.value, place.status.value, place.hours)
            for place, person in rows.all()
        ]
        return sorted(places, key=lambda p: (p.role != AssignmentRole.LEAD.value, p.name.lower()))

    async def organisations_placed(self, session: AsyncSession, project_id: UUID) -> list[str]:
        rows = await session.scalars(
            select(Volunteer.organisation)
            .join(Assignment, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project_id, Assignment.status.in_(ACTIVE))
        )
        return list(rows.all())
