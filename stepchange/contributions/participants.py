"""Who takes part in a project, answered for the projects domain's socket (see ``projects.facts``):
the office, the work-stream's co-chairs and its roster's current members, and volunteers who expressed
interest in the project or hold a place on it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.core.authz import Role, is_staff, runs_workstream
from stepchange.core.guards import Principal
from stepchange.governance.models import RosterMember
from stepchange.interest.models import Choice, Expression, ExpressionStatus
from stepchange.people.models import Volunteer
from stepchange.projects.facts import Participant


class Participants:
    """Answers :class:`~stepchange.projects.facts.ParticipantSource`."""

    async def participant(
        self, session: AsyncSession, principal: Principal, project_id: UUID, workstream_id: UUID
    ) -> Participant | None:
        if is_staff(principal):
            return await self._staff(session, principal, workstream_id)
        if principal.role == Role.VOLUNTEER:
            return await self._volunteer(session, principal.id, project_id, workstream_id)
        return None

    @staticmethod
    async def _staff(session: AsyncSession, principal: Principal, workstream_id: UUID) -> Participant | None:
        user = await session.get(StaffUser, principal.id)
        if user is None:
            return None
        on_roster = await session.scalar(
            select(
                exists().where(
                    RosterMember.workstream_id == workstream_id,
                    RosterMember.staff_user_id == user.id,
                    RosterMember.left_on.is_(None),
                )
            )
        )
        if not (runs_workstream(principal, workstream_id) or on_roster):
            return None
        return Participant(user.name, user.email, staff_id=user.id)

    @staticmethod
    async def _volunteer(
        session: AsyncSession, volunteer_id: UUID, project_id: UUID, workstream_id: UUID
    ) -> Participant | None:
        person = await session.get(Volunteer, volunteer_id)
        if person is None or person.erased_at is not None:
            return None
        interested = exists().where(
            Choice.project_id == project_id,
            Choice.expression_id == Expression.id,
            Expression.volunteer_id == volunteer_id,
            Expression.status != ExpressionStatus.WITHDRAWN,
        )
        placed = exists().where(
            Assignment.project_id == project_id,
            Assignment.volunteer_id == volunteer_id,
            Assignment.status.in_(ACTIVE),
        )
        on_roster = exists().where(
            RosterMember.workstream_id == workstream_id,
            RosterMember.email == person.email,
            RosterMember.left_on.is_(None),
        )
        if not await session.scalar(select(interested | placed | on_roster)):
            return None
        return Participant(person.name, person.email, volunteer_id=person.id)
