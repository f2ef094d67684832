"""The work-stream API: the public work-streams, and (for their members) how each is governed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

import msgspec
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import coordinator_only, office_or_co_chair
from stepchange.core import clock
from stepchange.core.errors import NotSignedIn
from stepchange.core.guards import Principal, current_principal, requires_role, signed_in
from stepchange.core.pagination import Window
from stepchange.governance.models import (
    ActionItem,
    ActionStatus,
    Appointment,
    Meeting,
    Minutes,
    MinutesRead,
    RosterMember,
)
from stepchange.governance.schemas import (
    ActionChangeIn,
    ActionIn,
    ActionOut,
    AgendaItemOut,
    AppointIn,
    AppointmentChangeIn,
    AppointmentOut,
    AttendanceIn,
    AttendanceOut,
    EndIn,
    EscalateIn,
    MeetingDetail,
    MeetingIn,
    MeetingOut,
    MemberChangeIn,
    MemberIn,
    MemberOut,
    MinutesIn,
    MinutesOut,
    MinutesReadOut,
    StandingItemsIn,
    StandingItemsOut,
)
from stepchange.governance.services import ActionFilter, GovernanceServices

# --- governance -------------------------------------------------------------------------------------


def provide_governance(db_session: NamedDependency[AsyncSession]) -> GovernanceServices:
    return GovernanceServices.of(db_session)


def acting(request: Request[Any, Any, Any]) -> Principal:
    """Whoever is signed in (routes that change things are guarded by ``signed_in``)."""
    principal = current_principal(request)
    if principal is None:
        raise NotSignedIn()
    return principal


def appointment_out(appointment: Appointment, code: str) -> AppointmentOut:
    return AppointmentOut(
        id=appointment.id,
        workstream=code,
        seat=appointment.seat,
        staff_user_id=appointment.staff_user_id,
        name=appointment.staff_user.name,
        organisation=appointment.organisation,
        starts_on=appointment.starts_on,
        ended_on=appointment.ended_on,
        ended_reason=appointment.ended_reason,
        appointed_by=appointment.appointed_by,
        ended_by=appointment.ended_by,
        current=appointment.ended_on is None,
    )


def member_out(member: RosterMember) -> MemberOut:
    return MemberOut(
        id=member.id,
        kind=member.kind,
        staff_user_id=member.staff_user_id,
        name=member.name,
        organisation=member.organisation,
        email=member.email,
        deputy_name=member.deputy_name,
        deputy_organisation=member.deputy_organisation,
        joined_on=member.joined_on,
        left_on=member.left_on,
    )


def meeting_out(meeting: Meeting, code: str) -> MeetingOut:
    return MeetingOut(
        id=meeting.id,
        workstream=code,
        title=meeting.title,
        starts_at=meeting.starts_at,
        location=meeting.location,
        status=meeting.status,
        cancelled_reason=meeting.cancelled_reason,
    )


def meeting_detail(meeting: Meeting, code: str, has_minutes: bool) -> MeetingDetail:
    return MeetingDetail(
        **msgspec.structs.asdict(meeting_out(meeting, code)),
        agenda=[AgendaItemOut(position=a.position, title=a.title, standing=a.standing) for a in meeting.agenda],
        attendance=[
            AttendanceOut(
                member_id=a.member_id,
                name=a.name,
                organisation=a.organisation,
                status=a.status,
                represented_by=a.represented_by,
            )
            for a in meeting.attendance
        ],
        has_minutes=has_minutes,
    )


def minutes_out(minutes: Minutes, reads: Sequence[MinutesRead]) -> MinutesOut:
    return MinutesOut(
        meeting_id=minutes.meeting_id,
        text=minutes.text,
        version=minutes.version,
        written_by=minutes.written_by,
        written_at=minutes.written_at,
        reads=[
            MinutesReadOut(
                reader_id=r.reader_id,
                reader=r.reader,
                first_read_at=r.first_read_at,
                last_read_at=r.last_read_at,
                read_count=r.read_count,
            )
            for r in reads
        ],
    )


def action_out(item: ActionItem, today: dt.date) -> ActionOut:
    return ActionOut(
        id=item.id,
        workstream=item.workstream.code,
        meeting_id=item.meeting_id,
        title=item.title,
        owner=item.owner_name,
        owner_staff_id=item.owner_staff_id,
        due_on=item.due_on,
        status=item.status,
        notes=item.notes,
        overdue=item.is_overdue(today),
        escalated_at=item.escalated_at,
        escalation_reason=item.escalation_reason,
        escalated_by=item.escalated_by,
        version=item.version,
    )


async def provide_action_filter(
    status: Annotated[ActionStatus | None, QueryParameter(description="Only actions with this status")] = None,
    open_: Annotated[
        bool | None, QueryParameter(name="open", description="Only open or in progress (true), or closed (false)")
    ] = None,
    overdue: Annotated[bool | None, QueryParameter(description="Only overdue (true) or not overdue (false)")] = None,
    escalated: Annotated[bool | None, QueryParameter(description="Only escalated (true) or not (false)")] = None,
) -> ActionFilter:
    return ActionFilter(status=status, open=open_, overdue=overdue, escalated=escalated)


class GovernanceController(Controller):
    """How a work-stream is run: co-chairs and deputies, members, meetings, minutes and actions."""

    path = "/api/workstreams/{code:str}"
    tags = ["Work-stream governance"]
    guards = [signed_in]
    dependencies = {"governance": Provide(provide_governance, sync_to_thread=False)}

    # --- co-chairs and deputies ---

    @get("/appointments", summary="Co-chairs and deputies: current first, then the history")
    async def appointments(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
        code: FromPath[str],
    ) -> OffsetPagination[AppointmentOut]:
        workstream, found = await governance.appointments.history(current_principal(request), code)
        return window.slice([appointment_out(a, workstream.code) for a in found])

    @post("/appointments", guards=[coordinator_only], summary="Appoint a co-chair or deputy (the programme office)")
    async def appoint(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[AppointIn],
    ) -> AppointmentOut:
        appointment = await governance.appointments.appoint(acting(request), code, data)
        return appointment_out(appointment, code.upper())

    @patch(
        "/appointments/{appointment_id:uuid}",
        guards=[coordinator_only],
        summary="Correct the organisation of a current appointment",
    )
    async def change_appointment(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        appointment_id: FromPath[UUID],
        data: JSONBody[AppointmentChangeIn],
    ) -> AppointmentOut:
        appointment = await governance.appointments.change_organisation(
            acting(request), code, appointment_id, data.organisation
        )
        return appointment_out(appointment, code.upper())

    @post("/appointments/{appointment_id:uuid}/end", status_code=HTTP_200_OK, summary="End an appointment")
    async def end_appointment(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        appointment_id: FromPath[UUID],
        data: JSONBody[EndIn],
    ) -> AppointmentOut:
        appointment = await governance.appointments.end(acting(request), code, appointment_id, data.reason)
        return appointment_out(appointment, code.upper())

    # --- the roster ---

    @get("/roster", summary="The members, each with their organisation and deputy")
    async def roster(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
        code: FromPath[str],
        former: Annotated[bool, QueryParameter(description="Those who have left instead")] = False,
    ) -> OffsetPagination[MemberOut]:
        _, found = await governance.roster.members(current_principal(request), code, former=former)
        return window.slice([member_out(m) for m in found])

    @post("/roster", summary="Add a member (a member of staff, or a volunteer)")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[MemberIn],
    ) -> MemberOut:
        return member_out(await governance.roster.add(acting(request), code, data))

    @get("/roster/{member_id:uuid}", summary="One member")
    async def member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
    ) -> MemberOut:
        return member_out(await governance.roster.member(current_principal(request), code, member_id))

    @patch("/roster/{member_id:uuid}", summary="Change a member's details or deputy")
    async def change_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
        data: JSONBody[MemberChangeIn],
    ) -> MemberOut:
        return member_out(await governance.roster.change(acting(request), code, member_id, data))

    @post("/roster/{member_id:uuid}/leave", status_code=HTTP_200_OK, summary="Record that a member left")
    async def leave(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
    ) -> MemberOut:
        return member_out(await governance.roster.leave(acting(request), code, member_id))

    # --- meetings ---

    @get("/standing-items", summary="The standing agenda every meeting starts with")
    async def standing_items(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> StandingItemsOut:
        return StandingItemsOut(items=await governance.meetings.standing_items(current_principal(request), code))

    @put("/standing-items", guards=[office_or_co_chair], summary="Agree a new standing agenda")
    async def set_standing_items(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[StandingItemsIn],
    ) -> StandingItemsOut:
        return StandingItemsOut(items=await governance.meetings.set_standing_items(acting(request), code, data.items))

    @get("/meetings", summary="Meetings in time order")
    async def meetings(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
        code: FromPath[str],
        upcoming: Annotated[bool | None, QueryParameter(description="Only future (true) or past (false)")] = None,
    ) -> OffsetPagination[MeetingOut]:
        workstream, found = await governance.meetings.meetings(current_principal(request), code, upcoming=upcoming)
        return window.slice([meeting_out(m, workstream.code) for m in found])

    @post("/meetings", summary="Schedule a meeting: standing agenda items plus extra ones")
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[MeetingIn],
    ) -> MeetingDetail:
        meeting = await governance.meetings.schedule(acting(request), code, data)
        return meeting_detail(meeting, code.upper(), has_minutes=False)

    @get("/meetings/{meeting_id:uuid}", summary="One meeting with its agenda and attendance")
    async def meeting(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
    ) -> MeetingDetail:
        meeting = await governance.meetings.meeting(current_principal(request), code, meeting_id)
        return await self._detail(governance, meeting, code)

    @post("/meetings/{meeting_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Cancel a meeting")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: JSONBody[EndIn],
    ) -> MeetingDetail:
        meeting = await governance.meetings.cancel(acting(request), code, meeting_id, data.reason)
        return await self._detail(governance, meeting, code)

    @post(
        "/meetings/{meeting_id:uuid}/attendance",
        guards=[office_or_co_chair],
        status_code=HTTP_200_OK,
        summary="Record attendance",
    )
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: JSONBody[AttendanceIn],
    ) -> MeetingDetail:
        meeting = await governance.meetings.record_attendance(acting(request), code, meeting_id, data.entries)
        return await self._detail(governance, meeting, code)

    @staticmethod
    async def _detail(governance: GovernanceServices, meeting: Meeting, code: str) -> MeetingDetail:
        minuted = await governance.meetings.has_minutes([meeting.id])
        return meeting_detail(meeting, code.upper(), has_minutes=meeting.id in minuted)

    @get("/meetings/{meeting_id:uuid}/minutes", summary="Read the minutes (members only; each reading is recorded)")
    async def minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
    ) -> MinutesOut:
        minutes = await governance.minutes.read(current_principal(request), code, meeting_id)
        return minutes_out(minutes, await governance.minutes.reads(minutes))

    @put(
        "/meetings/{meeting_id:uuid}/minutes",
        guards=[office_or_co_chair],
        summary="Write or correct the minutes (send the version you edited)",
    )
    async def write_minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: JSONBody[MinutesIn],
    ) -> MinutesOut:
        minutes = await governance.minutes.write(acting(request), code, meeting_id, data.text, data.version)
        return minutes_out(minutes, await governance.minutes.reads(minutes))

    # --- the action log ---

    @get("/actions", summary="The action log, by due date", dependencies={"which": Provide(provide_action_filter)})
    async def actions(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
        which: NamedDependency[ActionFilter],
        code: FromPath[str],
    ) -> OffsetPagination[ActionOut]:
        _, found, total = await governance.actions.actions(current_principal(request), code, which, window)
        today = clock.uk_today()
        return window.page([action_out(a, today) for a in found], total)

    @post("/actions", summary="Add an action (an owner and a due date are required)")
    async def add_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[ActionIn],
    ) -> ActionOut:
        return action_out(await governance.actions.add(acting(request), code, data), clock.uk_today())

    @get("/actions/{action_id:uuid}", summary="One action")
    async def action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
    ) -> ActionOut:
        return action_out(
            await governance.actions.action(current_principal(request), code, action_id), clock.uk_today()
        )

    @patch("/actions/{action_id:uuid}", summary="Update an action (send its version to guard against lost edits)")
    async def change_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: JSONBody[ActionChangeIn],
    ) -> ActionOut:
        return action_out(await governance.actions.change(acting(request), code, action_id, data), clock.uk_today())

    @post("/actions/{action_id:uuid}/escalate", status_code=HTTP_200_OK, summary="Escalate to the programme board")
    async def escalate(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: JSONBody[EscalateIn],
    ) -> ActionOut:
        item = await governance.actions.escalate(acting(request), code, action_id, data.reason)
        return action_out(item, clock.uk_today())


class EscalationController(Controller):
    path = "/api/escalations"
    tags = ["Work-stream governance"]
    guards = [requires_role("coordinator", "board")]
    dependencies = {"governance": Provide(provide_governance, sync_to_thread=False)}

    @get("/", summary="Escalated actions still open, across the work-streams, the longest-waiting first")
    async def escalations(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
    ) -> OffsetPagination[ActionOut]:
        found, total = await governance.actions.escalations(current_principal(request), window)
        today = clock.uk_today()
        return window.page([action_out(a, today) for a in found], total)
