"""Facts about a person's expressions of interest that the people domain asks for through its socket."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.interest.calls import open_at
from stepchange.interest.models import Call, Choice, Expression, ExpressionStatus, call_project
from stepchange.people.facts import ChoiceFact
from stepchange.projects.models import Project

MAX_CHOICES = 200
"""Far more than anyone chooses (40 projects a call): a bound, not a page."""


class InterestFacts:
    """Answers :class:`~stepchange.people.facts.InterestFactSource`."""

    async def interested_in_workstream(self, session: AsyncSession, volunteer_id: UUID, workstream_id: UUID) -> bool:
        found = await session.scalar(
            select(Choice.id)
            .join(Expression, Choice.expression_id == Expression.id)
            .join(Project, Choice.project_id == Project.id)
            .where(Expression.volunteer_id == volunteer_id, Project.workstream_id == workstream_id)
            .limit(1)
        )
        return found is not None

    async def choices_of(self, session: AsyncSession, volunteer_id: UUID) -> list[ChoiceFact]:
        rows = await session.execute(
            select(Call.name, Choice.rank, Project.code, Project.title, Choice.role, Expression.status)
            .join(Expression, Choice.expression_id == Expression.id)
            .join(Call, Expression.call_id == Call.id)
            .join(Project, Choice.project_id == Project.id)
            .where(Expression.volunteer_id == volunteer_id)
            .order_by(Call.opens_at.desc(), Choice.rank)
            .limit(MAX_CHOICES)
        )
        return [
            ChoiceFact(call, rank, code, title, role.value, status is ExpressionStatus.WITHDRAWN)
            for call, rank, code, title, role, status in rows.all()
        ]

    async def before_merge(self, session: AsyncSession, survivor_id: UUID, other_id: UUID) -> None:
        """For a call both records answered, the later expression stays and the older goes."""
        rows = (
            await session.scalars(select(Expression).where(Expression.volunteer_id.in_([survivor_id, other_id])))
        ).all()
        by_call: dict[UUID, list[Expression]] = {}
        for expression in rows:
            by_call.setdefault(expression.call_id, []).append(expression)
        for pair in by_call.values():
            if len(pair) == 2:
                await session.delete(min(pair, key=lambda e: e.submitted_at))
        await session.flush()


class OpenCallFacts:
    """Answers :class:`~stepchange.projects.facts.OpenCallSource`: the open call a project can be chosen in."""

    async def call_offering(self, session: AsyncSession, project_id: UUID) -> str | None:
        now = clock.now()
        return await session.scalar(
            select(Call.name)
            .join(call_project, call_project.c.call_id == Call.id)
            .where(call_project.c.project_id == project_id, *open_at(now))
            .order_by(Call.closes_at)
            .limit(1)
        )
