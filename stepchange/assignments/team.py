"""Facts about a project's team that the domains below assignments ask for through their sockets."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.people.models import Volunteer


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

    async def organisations_placed(self, session: AsyncSession, project_id: UUID) -> list[str]:
        rows = await session.scalars(
            select(Volunteer.organisation)
            .join(Assignment, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project_id, Assignment.status.in_(ACTIVE))
        )
        return list(rows.all())
