"""Work-stream rules and queries: the work-streams, and how each is governed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID, uuid4

from sqlalchemy import ColumnElement, and_, delete, exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from stepchange.accounts.models import StaffUser
from stepchange.accounts.services import StaffService
from stepchange.core import audit, clock
from stepchange.core.authz import StaffRole, require_runs_workstream, runs_workstream
from stepchange.core.database import Base, immediate_transaction, upsert_insert
from stepchange.core.errors import (
    BrokenRule,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    NotSignedIn,
    RuleViolation,
    StaleVersion,
)
from stepchange.core.guards import Principal
from stepchange.core.pagination import Window
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.governance.models import (
    OPEN_STATUSES,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Appointment,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MemberKind,
    Minutes,
    MinutesRead,
    RosterMember,
    Seat,
    StandingAgendaItem,
)
from stepchange.governance.schemas import (
    ActionChangeIn,
    ActionIn,
    AppointIn,
    AttendanceEntryIn,
    MeetingIn,
    MemberChangeIn,
    MemberIn,
)
from stepchange.workstreams.models import Workstream
from stepchange.workstreams.services import WORKSTREAM_CODE

# --- governance ---------------------------------------------------------------------------------
#
# How a work-stream is run (DESIGN.md, "Work-stream governance"; the Protect & Prepare guidance).
# - The programme office (coordinators) does everything in every work-stream, and alone makes
#   appointments: it runs the programme.
# - A work-stream's co-chairs and deputies (role ``co_chair``, bound to it) run its roster, meetings,
#   minutes and action log.
# - Its *members* (the office, its co-chairs and deputies, and staff on its roster) read its
#   appointments, roster, meetings, minutes and actions; nobody else does, whatever their role:
#   minutes are never public, nor shown to the board, ethics or other work-streams.
# - The board and the office read the escalated actions of every work-stream.

DEFAULT_STANDING_ITEMS = (
    "Apologies and attendance",
    "Minutes and action log of the last meeting",
    "Threat and incident update",
    "New protective security and preparedness guidance",
    "Horizon scanning: events, planning applications and training",
    "Project updates",
    "Escalations to the programme board",
    "Any other business",
)
"""The standing agenda of a work-stream that has not agreed its own (after the P&P guidance's examples)."""

ModelT = TypeVar("ModelT", Appointment, RosterMember, Meeting, ActionItem)


def same_organisation(a: str, b: str) -> bool:
    """Organisations match whatever their letter case and surrounding spaces."""
    return a.strip().casefold() == b.strip().casefold()


async def is_member(session: AsyncSession, principal: Principal | None, workstream_id: UUID) -> bool:
    """The office, the work-stream's co-chairs and deputies, and staff on its roster."""
    if principal is None:
        return False
    if runs_workstream(principal, workstream_id):
        return True
    seat = select(Appointment.id).where(
        Appointment.workstream_id == workstream_id,
        Appointment.staff_user_id == principal.id,
        Appointment.ended_on.is_(None),
    )
    roster = select(RosterMember.id).where(
        RosterMember.workstream_id == workstream_id,
        RosterMember.staff_user_id == principal.id,
        RosterMember.left_on.is_(None),
    )
    return bool(await session.scalar(select(or_(exists(seat), exists(roster)))))


def raise_if_any(problems: Iterable[FieldError | None]) -> None:
    """Refuse (400) naming every field that is wrong, not just the first."""
    errors = [p for p in problems if p is not None]
    if errors:
        raise InvalidInput(errors)


def refuse_if_any(rules: Sequence[BrokenRule]) -> None:
    """Refuse (409) naming every rule broken, not just the first."""
    if rules:
        raise RuleViolation(rules)


def optional_text(value: str, field: str, label: str, max_length: int = 200) -> FieldError | None:
    return text_problem(value, field, label=label, max_length=max_length, required=False)


class Governance:
    """What every governance service shares: finding the work-stream, who may see or run it, the audit."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def workstream(self, code: str) -> Workstream:
        code = code.strip().upper()
        found = (
            await self.session.scalar(select(Workstream).where(Workstream.code == code))
            if WORKSTREAM_CODE.fullmatch(code)
            else None
        )
        if found is None:
            raise NotFound("work-stream", f"code {code!r}")
        return found

    async def for_members(self, principal: Principal | None, code: str, doing: str) -> Workstream:
        """The work-stream, if ``principal`` is one of its members (401 or 403 otherwise)."""
        if principal is None:
            raise NotSignedIn()
        workstream = await self.workstream(code)
        if not await is_member(self.session, principal, workstream.id):
            raise NotAllowed(f"Only the programme office and this work-stream's members may {doing}")
        return workstream

    async def for_runners(self, principal: Principal | None, code: str, doing: str) -> Workstream:
        """The work-stream, if ``principal`` runs it: the office or its co-chairs (401 or 403 otherwise)."""
        if principal is None:
            raise NotSignedIn()
        workstream = await self.workstream(code)
        require_runs_workstream(principal, workstream.id, doing)
        return workstream

    async def one(self, model: type[ModelT], workstream: Workstream, item_id: UUID, thing: str) -> ModelT:
        """A row of this work-stream, or 404 (a row of another work-stream is not found here)."""
        found = await self.session.get(model, item_id)
        if found is None or found.workstream_id != workstream.id:
            raise NotFound(thing, f"id {item_id}")
        return found

    async def staff(self, *, appointable: bool = False) -> Sequence[StaffUser]:
        """Active members of staff by name, to choose a member from (or, if ``appointable``, an appointee)."""
        query = select(StaffUser).where(StaffUser.is_active.is_(True)).order_by(func.lower(StaffUser.name))
        if appointable:
            query = query.where(StaffUser.role.not_in([StaffRole.COORDINATOR, StaffRole.ETHICS]))
        return (await self.session.scalars(query)).all()

    async def audit(self, actor: Principal, action: str, subject: Base, summary: str, changes: dict[str, Any]) -> None:
        await audit.record(
            self.session,
            actor,
            f"workstream.{action}",
            subject_type=str(subject.__tablename__),
            subject_id=subject.id,
            summary=summary,
            changes=changes,
        )


# --- co-chairs and deputies ---------------------------------------------------------------------

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


# --- the roster -----------------------------------------------------------------------------------


def member_snapshot(member: RosterMember) -> dict[str, Any]:
    return {
        "kind": member.kind,
        "staff_user_id": member.staff_user_id,
        "name": member.name,
        "organisation": member.organisation,
        "email": member.email,
        "deputy_name": member.deputy_name,
        "deputy_organisation": member.deputy_organisation,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
    }


MEMBER_PERSONAL = ("name", "email", "deputy_name")
"""A volunteer's details must not outlive their erasure in the audit: only that they changed is kept."""


def member_problems(member: RosterMember) -> list[FieldError | None]:
    return [
        text_problem(member.name, "name", label="the member's name", max_length=200),
        text_problem(member.organisation, "organisation", label="the member's organisation", max_length=200),
        email_problem(member.email) if member.email else None,
        optional_text(member.deputy_name, "deputy_name", "the deputy's name"),
        optional_text(member.deputy_organisation, "deputy_organisation", "the deputy's organisation"),
    ]


class RosterService(Governance):
    """The members of a work-stream's group, each optionally with a deputy (for resilience)."""

    async def members(
        self, principal: Principal | None, code: str, *, former: bool = False
    ) -> tuple[Workstream, Sequence[RosterMember]]:
        """Current members by name (or, with ``former``, those who have left)."""
        workstream = await self.for_members(principal, code, "see its members")
        left = RosterMember.left_on.is_not(None) if former else RosterMember.left_on.is_(None)
        rows = await self.session.scalars(
            select(RosterMember)
            .where(RosterMember.workstream_id == workstream.id, left)
            .order_by(func.lower(RosterMember.name))
        )
        return workstream, rows.all()

    async def member(self, principal: Principal | None, code: str, member_id: UUID) -> RosterMember:
        workstream = await self.for_members(principal, code, "see its members")
        return await self.one(RosterMember, workstream, member_id, "member")

    async def add(self, actor: Principal, code: str, data: MemberIn) -> RosterMember:
        """Add a member of staff (their name, organisation and e-mail by default) or a volunteer."""
        workstream = await self.for_runners(actor, code, "change its members")
        user = await self.session.get(StaffUser, data.staff_user_id) if data.staff_user_id else None
        if data.staff_user_id is not None and user is None:
            raise InvalidInput.one("staff_user_id", "There is no member of staff with this id")
        member = RosterMember(
            workstream_id=workstream.id,
            kind=MemberKind.STAFF if user else MemberKind.VOLUNTEER,
            staff_user_id=user.id if user else None,
            name=(data.name or (user.name if user else "")).strip(),
            organisation=(data.organisation or (user.organisation if user else "")).strip(),
            email=normalise_email(data.email or (user.email if user else "")),
            deputy_name=data.deputy_name.strip(),
            deputy_organisation=data.deputy_organisation.strip(),
            joined_on=clock.uk_today(),
        )
        raise_if_any(member_problems(member))
        refuse_if_any(await self._duplicate(member))
        self.session.add(member)
        await self.session.flush()
        await self.audit(
            actor,
            "member_added",
            member,
            f"Added a {member.kind.value} member from {member.organisation} to {workstream.code}",
            audit.diff({}, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
        return member

    async def _duplicate(self, member: RosterMember) -> list[BrokenRule]:
        same_person = [RosterMember.email == member.email] if member.email else []
        if member.staff_user_id is not None:
            same_person.append(RosterMember.staff_user_id == member.staff_user_id)
        if not same_person:
            return []
        found = await self.session.scalar(
            select(
                exists().where(
                    RosterMember.workstream_id == member.workstream_id,
                    RosterMember.left_on.is_(None),
                    RosterMember.id != member.id,
                    or_(*same_person),
                )
            )
        )
        return [BrokenRule("already_member", "This person is already a member of this work-stream")] if found else []

    async def change(self, actor: Principal, code: str, member_id: UUID, data: MemberChangeIn) -> RosterMember:
        workstream = await self.for_runners(actor, code, "change its members")
        member = await self.one(RosterMember, workstream, member_id, "member")
        before = member_snapshot(member)
        for name in ("name", "organisation", "deputy_name", "deputy_organisation"):
            value = getattr(data, name)
            if value is not None:
                setattr(member, name, value.strip())
        if data.email is not None:
            member.email = normalise_email(data.email)
        raise_if_any(member_problems(member))
        refuse_if_any(await self._duplicate(member))
        await self.audit(
            actor,
            "member_changed",
            member,
            f"Changed a member of {workstream.code}",
            audit.diff(before, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
        return member

    async def leave(self, actor: Principal, code: str, member_id: UUID) -> RosterMember:
        """A member leaves the group today; they stay in the roster's history."""
        workstream = await self.for_runners(actor, code, "change its members")
        member = await self.one(RosterMember, workstream, member_id, "member")
        if member.left_on is not None:
            raise RuleViolation([BrokenRule("member_left", "This member has already left")])
        before = member_snapshot(member)
        member.left_on = clock.uk_today()
        await self.audit(
            actor,
            "member_left",
            member,
            f"A member from {member.organisation} left {workstream.code}",
            audit.diff(before, member_snapshot(member), personal=MEMBER_PERSONAL),
        )
        return member


# --- meetings, agendas and attendance -------------------------------------------------------------


def meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "location": meeting.location,
        "status": meeting.status,
        "cancelled_reason": meeting.cancelled_reason,
    }


def meeting_rules(meeting: Meeting, *, needs_start: bool) -> list[BrokenRule]:
    """A cancelled meeting takes no attendance or minutes; what happened at it waits until it starts."""
    if meeting.status is MeetingStatus.CANCELLED:
        return [BrokenRule("meeting_cancelled", "This meeting was cancelled")]
    if needs_start and meeting.starts_at > clock.now():
        return [BrokenRule("meeting_not_started", "This meeting has not started yet")]
    return []


def starts_at_problem(starts_at: dt.datetime | None) -> FieldError | None:
    if starts_at is None:
        return FieldError("starts_at", "Enter when the meeting starts")
    if not 2000 <= starts_at.year <= 2100:
        return FieldError("starts_at", "Enter a date between the years 2000 and 2100")
    return None


class MeetingService(Governance):
    """Meetings scheduled ahead with an agenda of standing and extra items, and their attendance."""

    async def standing_items(self, principal: Principal | None, code: str) -> list[str]:
        workstream = await self.for_members(principal, code, "see its standing agenda")
        return await self._standing_titles(workstream)

    async def _standing_titles(self, workstream: Workstream) -> list[str]:
        """The work-stream's agreed standing items, or the defaults until it agrees its own."""
        rows = await self.session.scalars(
            select(StandingAgendaItem.title)
            .where(StandingAgendaItem.workstream_id == workstream.id)
            .order_by(StandingAgendaItem.position)
        )
        return list(rows.all()) or list(DEFAULT_STANDING_ITEMS)

    async def set_standing_items(self, actor: Principal, code: str, items: Sequence[str]) -> list[str]:
        workstream = await self.for_runners(actor, code, "change its standing agenda")
        titles = [t.strip() for t in items if t.strip()]
        raise_if_any(
            [text_problem(t, f"items[{i}]", label="an item", max_length=200) for i, t in enumerate(titles)]
            or [FieldError("items", "Enter at least one standing item")]
        )
        before = await self._standing_titles(workstream)
        await self.session.execute(delete(StandingAgendaItem).where(StandingAgendaItem.workstream_id == workstream.id))
        self.session.add_all(
            StandingAgendaItem(workstream_id=workstream.id, position=i, title=t) for i, t in enumerate(titles, 1)
        )
        await self.audit(
            actor,
            "standing_items_changed",
            workstream,
            f"Changed the standing agenda of {workstream.code}",
            audit.diff({"items": before}, {"items": titles}),
        )
        return titles

    async def meetings(
        self, principal: Principal | None, code: str, *, upcoming: bool | None = None
    ) -> tuple[Workstream, Sequence[Meeting]]:
        """The work-stream's meetings in time order; ``upcoming`` keeps only future (or only past) ones."""
        workstream = await self.for_members(principal, code, "see its meetings")
        query = select(Meeting).where(Meeting.workstream_id == workstream.id).order_by(Meeting.starts_at)
        if upcoming is not None:
            query = query.where(Meeting.starts_at >= clock.now() if upcoming else Meeting.starts_at < clock.now())
        return workstream, (await self.session.scalars(query)).all()

    async def meeting(self, principal: Principal | None, code: str, meeting_id: UUID) -> Meeting:
        workstream = await self.for_members(principal, code, "see its meetings")
        return await self._loaded(workstream, meeting_id)

    async def _loaded(self, workstream: Workstream, meeting_id: UUID) -> Meeting:
        """The meeting with its agenda and attendance (fresh from the database)."""
        found = await self.session.scalar(
            select(Meeting)
            .where(Meeting.id == meeting_id, Meeting.workstream_id == workstream.id)
            .options(selectinload(Meeting.agenda), selectinload(Meeting.attendance))
            .execution_options(populate_existing=True)
        )
        if found is None:
            raise NotFound("meeting", f"id {meeting_id}")
        return found

    async def has_minutes(self, meeting_ids: Sequence[UUID]) -> set[UUID]:
        rows = await self.session.scalars(select(Minutes.meeting_id).where(Minutes.meeting_id.in_(meeting_ids)))
        return set(rows.all())

    async def schedule(self, actor: Principal, code: str, data: MeetingIn) -> Meeting:
        """Schedule a meeting; its agenda is the standing items, then the extra ones, in order."""
        workstream = await self.for_runners(actor, code, "schedule its meetings")
        extras = [t.strip() for t in data.extra_agenda if t.strip()]
        raise_if_any(
            [
                text_problem(data.title, "title", label="a title", max_length=200),
                starts_at_problem(data.starts_at),
                optional_text(data.location, "location", "the location"),
                *(optional_text(t, f"extra_agenda[{i}]", "an agenda item") for i, t in enumerate(extras)),
            ]
        )
        assert data.starts_at is not None
        titles = [(t, True) for t in await self._standing_titles(workstream)] + [(t, False) for t in extras]
        meeting = Meeting(
            workstream_id=workstream.id,
            title=data.title.strip(),
            starts_at=clock.as_utc(data.starts_at),
            location=data.location.strip(),
            scheduled_by=actor.label,
            agenda=[AgendaItem(position=i, title=t, standing=s) for i, (t, s) in enumerate(titles, 1)],
            attendance=[],
        )
        self.session.add(meeting)
        await self.session.flush()
        await self.audit(
            actor,
            "meeting_scheduled",
            meeting,
            f"Scheduled '{meeting.title}' for {workstream.code}",
            audit.diff({}, meeting_snapshot(meeting) | {"agenda": [t for t, _ in titles]}),
        )
        return await self._loaded(workstream, meeting.id)

    async def cancel(self, actor: Principal, code: str, meeting_id: UUID, reason: str) -> Meeting:
        workstream = await self.for_runners(actor, code, "cancel its meetings")
        meeting = await self._loaded(workstream, meeting_id)
        raise_if_any([text_problem(reason, "reason", label="why the meeting is cancelled", max_length=500)])
        broken = meeting_rules(meeting, needs_start=False)
        if meeting.status is MeetingStatus.HELD:
            broken.append(BrokenRule("meeting_held", "This meeting has been held"))
        refuse_if_any(broken)
        before = meeting_snapshot(meeting)
        meeting.status, meeting.cancelled_reason = MeetingStatus.CANCELLED, reason.strip()
        await self.audit(
            actor,
            "meeting_cancelled",
            meeting,
            f"Cancelled '{meeting.title}'",
            audit.diff(before, meeting_snapshot(meeting)),
        )
        return meeting

    async def record_attendance(
        self, actor: Principal, code: str, meeting_id: UUID, entries: Sequence[AttendanceEntryIn]
    ) -> Meeting:
        """Record (or correct) who came, who sent apologies and who was absent; apologies may come early."""
        workstream = await self.for_runners(actor, code, "record its meetings' attendance")
        meeting = await self._loaded(workstream, meeting_id)
        lines = await self._register_lines(workstream, entries)
        started = any(e.status is not AttendanceStatus.APOLOGIES for e in entries)
        refuse_if_any(meeting_rules(meeting, needs_start=started))
        recorded = {a.name.casefold(): a for a in meeting.attendance}
        for line in lines:
            existing = recorded.get(line.name.casefold())
            if existing is None:  # a name given twice is one line of the register: the last entry counts
                meeting.attendance.append(line)
                recorded[line.name.casefold()] = line
            else:
                existing.member_id, existing.organisation = line.member_id, line.organisation
                existing.status, existing.represented_by = line.status, line.represented_by
        if any(e.status is AttendanceStatus.PRESENT for e in entries):
            meeting.status = MeetingStatus.HELD
        counts = Counter(e.status.value for e in entries)
        await self.audit(
            actor,
            "attendance_recorded",
            meeting,
            f"Recorded attendance at '{meeting.title}': "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
            {"attendance": audit.CHANGED},
        )
        await self.session.flush()
        return await self._loaded(workstream, meeting.id)

    async def _register_lines(self, workstream: Workstream, entries: Sequence[AttendanceEntryIn]) -> list[Attendance]:
        """Each entry as a register line: members by id (their name and organisation), guests by name."""
        ids = {e.member_id for e in entries if e.member_id is not None}
        members = {
            m.id: m
            for m in (
                await self.session.scalars(
                    select(RosterMember).where(RosterMember.workstream_id == workstream.id, RosterMember.id.in_(ids))
                )
            ).all()
        }
        problems: list[FieldError | None] = []
        lines = []
        for i, entry in enumerate(entries):
            member = members.get(entry.member_id) if entry.member_id else None
            if entry.member_id is not None and member is None:
                problems.append(FieldError(f"entries[{i}].member_id", "This is not a member of this work-stream"))
                continue
            name = member.name if member else entry.name.strip()
            problems += [
                text_problem(name, f"entries[{i}].name", label="the name of who attended", max_length=200),
                optional_text(entry.represented_by, f"entries[{i}].represented_by", "the deputy's name"),
                optional_text(entry.organisation, f"entries[{i}].organisation", "the organisation"),
            ]
            lines.append(
                Attendance(
                    member_id=member.id if member else None,
                    name=name,
                    organisation=member.organisation if member else entry.organisation.strip(),
                    status=entry.status,
                    represented_by=entry.represented_by.strip(),
                )
            )
        raise_if_any(problems)
        return lines


# --- minutes: confidential to the work-stream's members and the office ----------------------------


def minutes_snapshot(minutes: Minutes) -> dict[str, Any]:
    return {"text": minutes.text, "version": minutes.version}


class MinutesService(Governance):
    """Minutes are written after a meeting by those who run the work-stream, and read only by its members.

    Every reading is recorded (first and last time, and how often). The audit records that the text
    changed, never the text itself. A save based on an older version is refused, so nobody's edit is
    silently lost.
    """

    async def read(self, principal: Principal | None, code: str, meeting_id: UUID) -> Minutes:
        await immediate_transaction(self.session)  # this read writes the read record
        workstream = await self.for_members(principal, code, "read its minutes")
        assert principal is not None
        minutes = await self._of(workstream, meeting_id)
        await self._record_read(minutes, principal)
        return minutes

    async def _of(self, workstream: Workstream, meeting_id: UUID) -> Minutes:
        minutes = await self.session.scalar(
            select(Minutes)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(Minutes.meeting_id == meeting_id, Meeting.workstream_id == workstream.id)
        )
        if minutes is None:
            raise NotFound("minutes", f"meeting id {meeting_id}")
        return minutes

    async def _record_read(self, minutes: Minutes, reader: Principal) -> None:
        """One row per reader, kept up to date in one statement (two tabs opening at once cannot clash)."""
        at = clock.now()
        statement = upsert_insert(self.session, MinutesRead).values(
            id=uuid4(),
            minutes_id=minutes.id,
            reader_id=reader.id,
            reader=reader.label,
            first_read_at=at,
            last_read_at=at,
            read_count=1,
            created_at=at,
            updated_at=at,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[MinutesRead.minutes_id, MinutesRead.reader_id],
                set_={
                    "last_read_at": at,
                    "updated_at": at,
                    "reader": reader.label,
                    "read_count": MinutesRead.read_count + 1,
                },
            )
        )

    async def reads(self, minutes: Minutes) -> Sequence[MinutesRead]:
        rows = await self.session.scalars(
            select(MinutesRead)
            .where(MinutesRead.minutes_id == minutes.id)
            .order_by(MinutesRead.first_read_at)
            .execution_options(populate_existing=True)
        )
        return rows.all()

    async def draft(self, principal: Principal | None, code: str, meeting_id: UUID) -> Minutes | None:
        """The minutes as their writer edits them (not a reading: nothing is recorded), or ``None``."""
        workstream = await self.for_runners(principal, code, "write its minutes")
        try:
            return await self._of(workstream, meeting_id)
        except NotFound:
            return None

    async def write(self, actor: Principal, code: str, meeting_id: UUID, text: str, version: int | None) -> Minutes:
        """Write or correct the minutes; ``version`` is the one the writer started from (none at first)."""
        workstream = await self.for_runners(actor, code, "write its minutes")
        meeting = await self.session.scalar(
            select(Meeting).where(Meeting.id == meeting_id, Meeting.workstream_id == workstream.id)
        )
        if meeting is None:
            raise NotFound("meeting", f"id {meeting_id}")
        raise_if_any([text_problem(text, "text", label="the minutes", max_length=200_000)])
        refuse_if_any(meeting_rules(meeting, needs_start=True))
        minutes = await self.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
        if minutes is not None and version != minutes.version:
            raise StaleVersion("minutes", version, minutes.version)
        if minutes is None and version:
            raise StaleVersion("minutes", version, 0)
        before = minutes_snapshot(minutes) if minutes else {}
        if minutes is None:
            minutes = Minutes(meeting_id=meeting.id, text=text, written_by="", written_at=clock.now())
            self.session.add(minutes)
        minutes.text, minutes.written_by_id, minutes.written_by, minutes.written_at = (
            text,
            actor.id,
            actor.label,
            clock.now(),
        )
        meeting.status = MeetingStatus.HELD
        await self.session.flush()
        await self.audit(
            actor,
            "minutes_written",
            minutes,
            f"Wrote the minutes of '{meeting.title}'",
            audit.diff(before, minutes_snapshot(minutes), personal=["text"]),
        )
        return minutes


# --- the action log -------------------------------------------------------------------------------


def action_snapshot(item: ActionItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner": item.owner_name,
        "owner_staff_id": item.owner_staff_id,
        "due_on": item.due_on,
        "status": item.status,
        "notes": item.notes,
        "meeting_id": item.meeting_id,
        "escalated_at": item.escalated_at,
        "escalation_reason": item.escalation_reason,
    }


ACTION_PERSONAL = ("owner",)
"""An owner may be a volunteer: their name must not outlive erasure in the audit."""


def action_problems(title: str, owner: str, due_on: dt.date | None, notes: str) -> list[FieldError | None]:
    return [
        text_problem(title, "title", label="what the action is", max_length=300),
        text_problem(owner, "owner", label="who owns the action", max_length=200),
        FieldError("due_on", "Enter the date the action is due") if due_on is None else None,
        optional_text(notes, "notes", "the notes", max_length=10_000),
    ]


def overdue(today: dt.date) -> ColumnElement[bool]:
    """Open or in progress, and due before today (UK)."""
    return and_(ActionItem.status.in_(OPEN_STATUSES), ActionItem.due_on < today)


@dataclass(frozen=True)
class ActionFilter:
    """Which actions a list shows; ``open`` means open or in progress."""

    status: ActionStatus | None = None
    open: bool | None = None
    overdue: bool | None = None
    escalated: bool | None = None

    def conditions(self, today: dt.date) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.status is not None:
            where.append(ActionItem.status == self.status)
        if self.open is not None:
            is_open = ActionItem.status.in_(OPEN_STATUSES)
            where.append(is_open if self.open else not_(is_open))
        if self.overdue is not None:
            where.append(overdue(today) if self.overdue else not_(overdue(today)))
        if self.escalated is not None:
            where.append(ActionItem.escalated_at.is_not(None) if self.escalated else ActionItem.escalated_at.is_(None))
        return where


class ActionService(Governance):
    """The work-stream's action plan: every action has an owner and a due date; escalated actions reach the board."""

    async def actions(
        self, principal: Principal | None, code: str, which: ActionFilter, window: Window
    ) -> tuple[Workstream, Sequence[ActionItem], int]:
        """Actions by due date (earliest first)."""
        workstream = await self.for_members(principal, code, "see its action log")
        where = [ActionItem.workstream_id == workstream.id, *which.conditions(clock.uk_today())]
        total = await self.session.scalar(select(func.count()).select_from(ActionItem).where(*where)) or 0
        rows = await self.session.scalars(
            select(ActionItem)
            .where(*where)
            .order_by(ActionItem.due_on, ActionItem.created_at)
            .limit(window.limit)
            .offset(window.offset)
        )
        return workstream, rows.all(), int(total)

    async def action(self, principal: Principal | None, code: str, action_id: UUID) -> ActionItem:
        workstream = await self.for_members(principal, code, "see its action log")
        return await self.one(ActionItem, workstream, action_id, "action")

    async def add(self, actor: Principal, code: str, data: ActionIn) -> ActionItem:
        workstream = await self.for_runners(actor, code, "add to its action log")
        title, owner, notes = data.title.strip(), data.owner.strip(), data.notes.strip()
        raise_if_any([*action_problems(title, owner, data.due_on, notes), *await self._link_problems(workstream, data)])
        assert data.due_on is not None
        item = ActionItem(
            workstream_id=workstream.id,
            workstream=workstream,
            meeting_id=data.meeting_id,
            title=title,
            owner_name=owner,
            owner_staff_id=data.owner_staff_id,
            due_on=data.due_on,
            notes=notes,
            status=ActionStatus.OPEN,
        )
        self.session.add(item)
        await self.session.flush()
        await self.audit(
            actor,
            "action_added",
            item,
            f"Added an action to {workstream.code}: {item.title}",
            audit.diff({}, action_snapshot(item), personal=ACTION_PERSONAL),
        )
        return item

    async def _link_problems(self, workstream: Workstream, data: ActionIn) -> list[FieldError | None]:
        """The owner's staff account and the meeting that agreed the action must exist (and be this work-stream's)."""
        problems: list[FieldError | None] = []
        if data.owner_staff_id is not None and await self.session.get(StaffUser, data.owner_staff_id) is None:
            problems.append(FieldError("owner_staff_id", "There is no member of staff with this id"))
        if data.meeting_id is not None:
            meeting = await self.session.get(Meeting, data.meeting_id)
            if meeting is None or meeting.workstream_id != workstream.id:
                problems.append(FieldError("meeting_id", "There is no meeting of this work-stream with this id"))
        return problems

    async def change(self, actor: Principal, code: str, action_id: UUID, data: ActionChangeIn) -> ActionItem:
        """Update an action; ``version``, when sent, must be the current one (nobody's change is lost)."""
        workstream = await self.for_runners(actor, code, "update its action log")
        item = await self.one(ActionItem, workstream, action_id, "action")
        if data.version is not None and data.version != item.version:
            raise StaleVersion("action", data.version, item.version)
        title, owner, notes = (
            (new if new is not None else old).strip()
            for new, old in ((data.title, item.title), (data.owner, item.owner_name), (data.notes, item.notes))
        )
        raise_if_any(action_problems(title, owner, item.due_on, notes))
        before = action_snapshot(item)
        if owner != item.owner_name:
            item.owner_name, item.owner_staff_id = owner, None
        item.title, item.notes = title, notes
        item.due_on = data.due_on or item.due_on
        item.status = data.status or item.status
        changes = audit.diff(before, action_snapshot(item), personal=ACTION_PERSONAL)
        if changes:
            await self.session.flush()
            await self.audit(actor, "action_changed", item, f"Updated the action: {item.title}", changes)
        return item

    async def escalate(self, actor: Principal, code: str, action_id: UUID, reason: str) -> ActionItem:
        """Escalate to the programme board: the action stays escalated until it is done or dropped."""
        workstream = await self.for_runners(actor, code, "escalate its actions")
        item = await self.one(ActionItem, workstream, action_id, "action")
        raise_if_any([text_problem(reason, "reason", label="why the action is escalated", max_length=1000)])
        broken = []
        if item.status.is_closed:
            broken.append(
                BrokenRule("action_closed", f"This action is {item.status.value}; only open actions escalate")
            )
        if item.escalated_at is not None:
            broken.append(BrokenRule("already_escalated", "This action has already been escalated"))
        refuse_if_any(broken)
        before = action_snapshot(item)
        item.escalated_at, item.escalation_reason, item.escalated_by = clock.now(), reason.strip(), actor.label
        await self.session.flush()
        await self.audit(
            actor,
            "action_escalated",
            item,
            f"Escalated the action: {item.title}",
            audit.diff(before, action_snapshot(item), personal=ACTION_PERSONAL),
        )
        return item

    async def escalations(self, principal: Principal | None, window: Window) -> tuple[Sequence[ActionItem], int]:
        """Escalated actions still open, across the work-streams, the longest-waiting first."""
        if principal is None:
            raise NotSignedIn()
        if principal.role not in (StaffRole.COORDINATOR, StaffRole.BOARD):
            raise NotAllowed("Only the programme board and the programme office see the escalations")
        where = [ActionItem.escalated_at.is_not(None), ActionItem.status.in_(OPEN_STATUSES)]
        total = await self.session.scalar(select(func.count()).select_from(ActionItem).where(*where)) or 0
        rows = await self.session.scalars(
            select(ActionItem).where(*where).order_by(ActionItem.escalated_at).limit(window.limit).offset(window.offset)
        )
        return rows.all(), int(total)


@dataclass(frozen=True)
class GovernanceServices:
    """The governance services of one request, sharing its database session."""

    session: AsyncSession
    appointments: AppointmentService
    roster: RosterService
    meetings: MeetingService
    minutes: MinutesService
    actions: ActionService

    @classmethod
    def of(cls, session: AsyncSession) -> GovernanceServices:
        return cls(
            session,
            AppointmentService(session),
            RosterService(session),
            MeetingService(session),
            MinutesService(session),
            ActionService(session),
        )
