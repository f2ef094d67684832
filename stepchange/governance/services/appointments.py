"""Co-chairs and deputies: appointments, their rules and their history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import exists, select

from stepchange.accounts.models import StaffUser
from stepchange.accounts.services import StaffService
from stepchange.core import audit, clock
from stepchange.core.authz import StaffRole
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotAllowed, NotSignedIn, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.validation import text_problem
from stepchange.governance.models import Appointment, Seat
from stepchange.governance.schemas import AppointIn
from stepchange.governance.services.common import Governance, raise_if_any, refuse_if_any
from stepchange.workstreams.models import Workstream


def same_organisation(a: str, b: str) -> bool:
    """Organisations match whatever their letter case and surrounding spaces."""
    return a.strip().casefold() == b.strip().casefold()


ORGANISATION_RULES = (
    (
        Seat.BUSINESS_CO_CHAIR,
        Seat.POLICE_CO_CHAIR,
        "co_chairs_same_organisation",
        "The business and police co-chairs must come from different organisations",
    ),
    (
        Seat.BUSINESS_CO_CHAIR,
        Seat.BUSINESS_DEPUTY,
        "deputy_same_organisation",
        "The business co-chair and their deputy must come from different organisations",
    ),
    (
        Seat.POLICE_CO_CHAIR,
        Seat.POLICE_DEPUTY,
        "deputy_same_organisation",
        "The police co-chair and their deputy must come from different organisations",
    ),
)


def organisation_rules(seat: Seat, organisation: str, current: Mapping[Seat, Appointment]) -> list[BrokenRule]:
    """The organisation rules that ``seat`` held by ``organisation`` would break beside the other current seats."""
    broken = []
    for first, second, rule, message in ORGANISATION_RULES:
        if seat in (first, second):
            partner = current.get(second if seat is first else first)
            if partner is not None and same_organisation(partner.organisation, organisation):
                broken.append(BrokenRule(rule, message))
    return broken


def appointee_rules(user: StaffUser) -> list[BrokenRule]:
    """Who cannot be appointed, whatever the seat."""
    broken = []
    if not user.is_active:
        broken.append(BrokenRule("account_inactive", f"{user.name}'s account is closed"))
    if user.role is StaffRole.COORDINATOR:
        broken.append(
            BrokenRule(
                "coordinator_cannot_be_appointed",
                "Coordinators already run every work-stream and keep their role; they are not appointed",
            )
        )
    if user.role is StaffRole.ETHICS:
        broken.append(
            BrokenRule(
                "ethics_reviewer_cannot_be_appointed",
                "Ethics reviewers stay independent of the work-streams whose projects they review",
            )
        )
    return broken


def appointment_snapshot(appointment: Appointment) -> dict[str, Any]:
    return {
        "seat": appointment.seat,
        "staff_user_id": appointment.staff_user_id,
        "organisation": appointment.organisation,
        "starts_on": appointment.starts_on,
        "ended_on": appointment.ended_on,
        "ended_reason": appointment.ended_reason,
    }


class AppointmentService(Governance):
    """Co-chairs and deputies, with their history. The rules (each refusal names them all):

    - only the programme office appoints and ends appointments (``for_office``);
    - one current holder per seat (``seat_taken``); an appointment that *replaces* the holder ends
      theirs (kept as history) and starts the new one in the same transaction;
    - the business and police co-chairs come from different organisations
      (``co_chairs_same_organisation``), and so do each co-chair and their own deputy
      (``deputy_same_organisation``); organisations are compared trimmed, in any letter case;
    - one person holds at most one current seat (``already_holds_seat``), in one work-stream only
      (``seat_in_other_workstream``), because co-chair rights are bound to a single work-stream;
    - coordinators, ethics reviewers and closed accounts are not appointed (see ``appointee_rules``);
    - appointing makes the person a ``co_chair`` of this work-stream; when their seat ends and they
      hold no other, they become ``board`` (read-only). Either change ends their sessions at once, so
      the new rights apply from their next request.
    """

    async def for_office(self, principal: Principal | None, code: str) -> Workstream:
        if principal is None:
            raise NotSignedIn()
        if principal.role != StaffRole.COORDINATOR:
            raise NotAllowed("Only the programme office makes and ends appointments")
        return await self.workstream(code)

    async def history(self, principal: Principal | None, code: str) -> tuple[Workstream, Sequence[Appointment]]:
        """Current appointments first (in seat order), then past ones, most recently ended first."""
        workstream = await self.for_members(principal, code, "see its co-chairs and deputies")
        found = (
            await self.session.scalars(select(Appointment).where(Appointment.workstream_id == workstream.id))
        ).all()
        seat_order = list(Seat)
        current = sorted((a for a in found if a.ended_on is None), key=lambda a: seat_order.index(a.seat))
        past = sorted(
            (a for a in found if a.ended_on is not None), key=lambda a: (a.ended_on, a.created_at), reverse=True
        )
        return workstream, current + past

    async def current(self, workstream_id: UUID) -> dict[Seat, Appointment]:
        rows = await self.session.scalars(
            select(Appointment).where(Appointment.workstream_id == workstream_id, Appointment.ended_on.is_(None))
        )
        return {a.seat: a for a in rows.all()}

    async def appoint(self, actor: Principal, code: str, data: AppointIn) -> Appointment:
        workstream = await self.for_office(actor, code)
        user = await self.session.get(StaffUser, data.staff_user_id)
        if user is None:
            raise InvalidInput.one("staff_user_id", "There is no member of staff with this id")
        organisation = (data.organisation if data.organisation is not None else user.organisation).strip()
        starts_on = data.starts_on or clock.uk_today()
        raise_if_any(
            [
                text_problem(organisation, "organisation", label="the organisation they represent", max_length=200),
                FieldError("starts_on", "An appointment cannot start in the future")
                if starts_on > clock.uk_today()
                else None,
            ]
        )
        current = await self.current(workstream.id)
        holder = current.get(data.seat)
        refuse_if_any(await self._rules(workstream, user, data.seat, organisation, current, data.replace))
        if holder is not None:
            await self._end(actor, holder, f"Replaced by {user.name}")
            await self.session.flush()  # the seat is free before the new holder takes it
        appointment = Appointment(
            workstream_id=workstream.id,
            staff_user_id=user.id,
            staff_user=user,
            seat=data.seat,
            organisation=organisation,
            starts_on=starts_on,
            appointed_by=actor.label,
        )
        self.session.add(appointment)
        await self.session.flush()
        await self.audit(
            actor,
            "appointment_made",
            appointment,
            f"Appointed {user.name} as {data.seat.label.lower()} of {workstream.code}",
            audit.diff({}, appointment_snapshot(appointment)),
        )
        await self._grant(actor, user, workstream)
        return appointment

    async def _rules(
        self,
        workstream: Workstream,
        user: StaffUser,
        seat: Seat,
        organisation: str,
        current: Mapping[Seat, Appointment],
        replace: bool,
    ) -> list[BrokenRule]:
        broken = appointee_rules(user)
        holder = current.get(seat)
        if any(a.staff_user_id == user.id for a in current.values()):
            broken.append(BrokenRule("already_holds_seat", f"{user.name} already holds a seat in this work-stream"))
        elif holder is not None and not replace:
            broken.append(
                BrokenRule(
                    "seat_taken",
                    f"{holder.staff_user.name} is the {seat.label.lower()}: replace them, or end their "
                    "appointment first",
                )
            )
        broken += await self._elsewhere(user, workstream)
        return broken + organisation_rules(seat, organisation, current)

    async def _elsewhere(self, user: StaffUser, workstream: Workstream) -> list[BrokenRule]:
        """Co-chair rights bind a person to one work-stream: a seat or those rights elsewhere rule this out."""
        seated = await self.session.scalar(
            select(Workstream.code)
            .join(Appointment, Appointment.workstream_id == Workstream.id)
            .where(
                Appointment.staff_user_id == user.id,
                Appointment.ended_on.is_(None),
                Appointment.workstream_id != workstream.id,
            )
        )
        bound = (
            user.workstream_code if user.role is StaffRole.CO_CHAIR and user.workstream_id != workstream.id else None
        )
        other = seated or bound
        if other is None:
            return []
        message = f"{user.name} already co-chairs work-stream {other}; a person co-chairs one work-stream at a time"
        return [BrokenRule("seat_in_other_workstream", message)]

    async def change_organisation(
        self, actor: Principal, code: str, appointment_id: UUID, organisation: str
    ) -> Appointment:
        workstream = await self.for_office(actor, code)
        appointment = await self.one(Appointment, workstream, appointment_id, "appointment")
        organisation = organisation.strip()
        raise_if_any([text_problem(organisation, "organisation", label="the organisation", max_length=200)])
        if appointment.ended_on is not None:
            raise RuleViolation([BrokenRule("appointment_ended", "This appointment has ended")])
        refuse_if_any(organisation_rules(appointment.seat, organisation, await self.current(workstream.id)))
        before = appointment_snapshot(appointment)
        appointment.organisation = organisation
        await self.audit(
            actor,
            "appointment_changed",
            appointment,
            f"Changed the organisation of {appointment.staff_user.name}",
            audit.diff(before, appointment_snapshot(appointment)),
        )
        return appointment

    async def end(self, actor: Principal, code: str, appointment_id: UUID, reason: str) -> Appointment:
        """Stepping down (or being stood down): the appointment ends today and stays in the history."""
        workstream = await self.for_office(actor, code)
        appointment = await self.one(Appointment, workstream, appointment_id, "appointment")
        raise_if_any([text_problem(reason, "reason", label="why the appointment ends", max_length=500)])
        if appointment.ended_on is not None:
            raise RuleViolation([BrokenRule("appointment_ended", "This appointment has already ended")])
        await self._end(actor, appointment, reason.strip())
        return appointment

    async def _end(self, actor: Principal, appointment: Appointment, reason: str) -> None:
        before = appointment_snapshot(appointment)
        appointment.ended_on = max(clock.uk_today(), appointment.starts_on)
        appointment.ended_reason = reason
        appointment.ended_by = actor.label
        await self.audit(
            actor,
            "appointment_ended",
            appointment,
            f"Ended the appointment of {appointment.staff_user.name} as {appointment.seat.label.lower()}",
            audit.diff(before, appointment_snapshot(appointment)),
        )
        await self.session.flush()
        await self._revoke(actor, appointment.staff_user, appointment.workstream_id)

    async def _grant(self, actor: Principal, user: StaffUser, workstream: Workstream) -> None:
        if (user.role, user.workstream_id) != (StaffRole.CO_CHAIR, workstream.id):
            await StaffService(session=self.session).change(
                actor, user.id, role=StaffRole.CO_CHAIR, workstream=workstream.code
            )

    async def _revoke(self, actor: Principal, user: StaffUser, workstream_id: UUID) -> None:
        """Co-chair rights last only while a seat is held: without one, the person becomes read-only."""
        still_seated = await self.session.scalar(
            select(exists().where(Appointment.staff_user_id == user.id, Appointment.ended_on.is_(None)))
        )
        if not still_seated and (user.role, user.workstream_id) == (StaffRole.CO_CHAIR, workstream_id):
            await StaffService(session=self.session).change(actor, user.id, role=StaffRole.BOARD)
