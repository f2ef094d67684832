"""Facts about a work-stream's projects and the volunteers placed on them, for its subgroups (governance)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.governance.facts import PlacedVolunteer, ProjectRef
from stepchange.people.models import Volunteer, folded
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
        self,
        session: AsyncSession,
        workstream_id: UUID,
        only: Sequence[UUID] | None = None,
        *,
        named: str = "",
        leaving_out: Sequence[UUID] = (),
        limit: int | None = None,
    ) -> tuple[list[PlacedVolunteer], int]:
        """Counted and paged in the database, reading three columns (a national work-stream has thousands of
        placed people: the picker shows the first few, and no one's encrypted phone is decrypted)."""
        placed = select(Assignment.volunteer_id).where(
            Assignment.status.in_(ACTIVE),
            Assignment.project_id.in_(select(Project.id).where(Project.workstream_id == workstream_id)),
        )
        wanted: list[ColumnElement[bool]] = [Volunteer.id.in_(placed)]
        if only is not None:
            wanted.append(Volunteer.id.in_(only))
        if named.strip():
            wanted.append(Volunteer.search_key.contains(folded(named), autoescape=True))
        if leaving_out:
            wanted.append(Volunteer.id.not_in(leaving_out))
        people = (
            await session.execute(
                select(Volunteer.id, Volunteer.name, Volunteer.organisation)
                .where(*wanted)
                .order_by(func.lower(Volunteer.name), Volunteer.id)
                .limit(limit)
            )
        ).all()
        codes: dict[UUID, list[str]] = defaultdict(list)
        rows = await session.execute(
            select(Assignment.volunteer_id, Project.code)
            .join(Project, Project.id == Assignment.project_id)
            .where(
                Assignment.volunteer_id.in_([p.id for p in people]),
                Assignment.status.in_(ACTIVE),
                Project.workstream_id == workstream_id,
            )
            .order_by(Project.number)
        )
        for volunteer_id, code in rows.all():
            codes[volunteer_id].append(code)
        found = [PlacedVolunteer(id=i, name=n, organisation=o, projects=tuple(codes[i])) for i, n, o in people]
        if limit is None:
            return found, len(found)
        return found, await session.scalar(select(func.count()).select_from(Volunteer).where(*wanted)) or 0
