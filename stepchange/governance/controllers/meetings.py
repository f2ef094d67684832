"""The API of meetings: the standing agenda, scheduling, attendance and cancelling."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.guards import current_principal
from stepchange.core.pagination import Window
from stepchange.governance.controllers.common import out
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.models import Meeting
from stepchange.governance.schemas import (
    AttendanceIn,
    EndIn,
    MeetingDetail,
    MeetingIn,
    MeetingOut,
    StandingItemsIn,
    StandingItemsOut,
)


def meeting_detail(meeting: Meeting, code: str, has_minutes: bool) -> MeetingDetail:
    """The meeting with its agenda and register as stored, and whether it has minutes."""
    return out(
        MeetingDetail,
        meeting,
        workstream=code,
        agenda=meeting.agenda,
        attendance=meeting.attendance,
        has_minutes=has_minutes,
    )


class MeetingController(Controller):
    """Meetings scheduled ahead with an agenda of standing and extra items, and who came."""

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
        return window.slice([out(MeetingOut, m, workstream=workstream.code) for m in found])

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
