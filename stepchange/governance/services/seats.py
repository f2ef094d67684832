"""Seats follow the account: a change of role or work-stream (or a closed account) ends the person's
appointments and roster places that no longer match, each with its own audit entry."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit, clock
from stepchange.core.authz import StaffRole
from stepchange.core.guards import Principal
from stepchange.governance.models import Appointment, RosterMember
from stepchange.governance.services.appointments import appointment_snapshot
from stepchange.governance.services.roster import MEMBER_PERSONAL, member_snapshot

REASON = "The person's role or work-stream changed"


class Seats:
    """Answers :class:`~stepchange.accounts.facts.SeatKeeper`."""

    async def staff_changed(
        self, session: AsyncSession, actor: Principal, user_id: UUID, role: StaffRole | None, workstream_id: UUID | None
    ) -> None:
        chairing = workstream_id if role is StaffRole.CO_CHAIR else None
        await _end_appointments(session, actor, user_id, keep=chairing)
        await _end_roster_places(session, actor, user_id, keep=workstream_id if role is not None else None)


async def _end_appointments(session: AsyncSession, actor: Principal, user_id: UUID, keep: UUID | None) -> None:
    """A seat as co-chair or deputy is held only while the person is a co-chair of that work-stream."""
    found = await session.scalars(
        select(Appointment).where(Appointment.staff_user_id == user_id, Appointment.ended_on.is_(None))
    )
    for appointment in found.all():
        if appointment.workstream_id == keep:
            continue
        before = appointment_snapshot(appointment)
        appointment.ended_on = max(clock.uk_today(), appointment.starts_on)
        appointment.ended_reason, appointment.ended_by = REASON, actor.label
        await audit.record(
            session,
            actor,
            "workstream.appointment_ended",
            subject_type="workstream_appointment",
            subject_id=appointment.id,
            summary=f"Ended an appointment as {appointment.seat.label.lower()}: {REASON.lower()}",
            changes=audit.diff(before, appointment_snapshot(appointment)),
        )


async def _end_roster_places(session: AsyncSession, actor: Principal, user_id: UUID, keep: UUID | None) -> None:
    """A staff member's place on a roster goes with the role that brought them there."""
    found = await session.scalars(
        select(RosterMember).where(RosterMember.staff_user_id == user_id, RosterMember.left_on.is_(None))
    )
    for member in found.all():
        if member.workstream_id == keep:
            continue
        before = member_snapshot(member)
        member.left_on = clock.uk_today()
        await audit.record(
            session,
            actor,
            "workstream.member_left",
            subject_type="workstream_member",
            subject_id=member.id,
            summary=f"A member from {member.organisation} left: {REASON.lower()}",
            changes=audit.diff(before, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
    await session.flush()
