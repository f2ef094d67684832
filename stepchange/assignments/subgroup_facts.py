"""Facts about a work-stream's projects and the volunteers placed on them, for its subgroups (governance)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.governance.facts import PlacedVolunteer, ProjectRef
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project


class SubgroupFacts:
    """Answers :class:`~stepchange.governance.facts.SubgroupFactSource`."""

    async def projects(self, session: AsyncSession, workstream_id: UUID) -> list[ProjectRef]:
        rows = await session.execute(
            select(Project.id, Project.code, Project.title)
            .where(Project.workstream_id == workstream_id)
            .order_by(Project.number)
        )
        return [ProjectRef(id=i, code=c, title=t) for i, c, t in rows.all()]

    async def placed_volunteers(
        self, session: AsyncSession, workstream_id: UUID, only: Sequence[UUID] | None = None
    ) -> list[PlacedVolunteer]:
        query = (
            select(Volunteer, Project.code)
            .join(Assignment, Assignment.volunteer_id == Volunteer.id)
            .join(Project, Project.id == Assignment.project_id)
            .where(Project.workstream_id == workstream_id, Assignment.status.in_(ACTIVE))
            .order_by(Project.number)
        )
        if only is not None:
            query = query.where(Volunteer.id.in_(only))
        placed: dict[UUID, list[str]] = defaultdict(list)
        people: dict[UUID, Volunteer] = {}
        for volunteer, code in (await session.execute(query)).all():
            people[volunteer.id] = volunteer
            placed[volunteer.id].append(code)
        found = [
            PlacedVolunteer(id=v.id, name=v.name, organisation=v.organisation, projects=tuple(placed[v.id]))
            for v in people.values()
        ]
        return sorted(found, key=lambda p: p.name.casefold())
