"""Meetings: the standing agenda, scheduling, each meeting's page, its attendance, and cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stepchange.core.errors import InvalidInput
from stepchange.core.forms import Form, date_as_typed, field, form_date, form_time
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.models import AttendanceStatus, Meeting
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit
from stepchange.governance.schemas import AttendanceEntryIn, MeetingIn


class MeetingPages(Controller):
    """The standing agenda, a new meeting's form, and each meeting with its register."""

    @get("/standing-items", name="standing_items")
    async def standing_items(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        items = await governance.meetings.standing_items(current_principal(request), code)
        workstream = await governance.meetings.workstream(code)
        return page(request, "standing_items", workstream, Shown(values={"items": "\n".join(items)}))

    @post("/standing-items")
    async def set_standing_items(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        text = field(data, "items")

        async def change() -> object:
            return await governance.meetings.set_standing_items(acting(request), code, text.splitlines())

        async def again(shown: Shown) -> Template:
            workstream = await governance.meetings.workstream(code)
            return page(request, "standing_items", workstream, shown.against("items"))

        done = f"{governance_path(code)}/meetings/new?done=standing"
        return await submit(governance, change, done, again, {"items": text})

    @get("/meetings/new", name="new_meeting")
    async def new_meeting(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._new_meeting(request, governance, code)

    async def _new_meeting(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        shown: Shown = FRESH,
    ) -> Template:
        workstream = await governance.meetings.for_runners(current_principal(request), code, "schedule its meetings")
        standing = await governance.meetings.standing_items(current_principal(request), code)
        cadence = await governance.terms.next_on_cadence(workstream)
        return page(request, "meeting_new", workstream, shown, standing=standing, cadence=cadence)

    @post("/meetings")
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "location", "extra_agenda", "starts_at-time")}
        values["starts_at"] = date_as_typed(data, "starts_at")

        async def change() -> Meeting:
            day, time = form_date(data, "starts_at", "The date"), form_time(data, "starts_at-time")
            if day and not time:
                raise InvalidInput.one("starts_at-time", "Enter the time the meeting starts")
            meeting = MeetingIn(
                title=values["title"],
                starts_at=dt.datetime.combine(day, time) if day and time else None,
                location=values["location"],
                extra_agenda=values["extra_agenda"].splitlines(),
            )
            return await governance.meetings.schedule(acting(request), code, meeting)

        async def again(shown: Shown) -> Template:
            return await self._new_meeting(request, governance, code, shown)

        def done(meeting: Meeting) -> str:
            return f"{governance_path(code)}/meetings/{meeting.id}?done=scheduled"

        return await submit(governance, change, done, again, values)

    @get("/meetings/{meeting_id:uuid}", name="meeting")
    async def meeting(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
    ) -> Template:
        return await self._meeting(request, governance, code, meeting_id)

    async def _meeting(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        meeting_id: UUID,
        shown: Shown = FRESH,
    ) -> Template:
        principal = current_principal(request)
        meeting = await governance.meetings.meeting(principal, code, meeting_id)
        workstream, members = await governance.roster.members(principal, code)
        return page(
            request,
            "meeting",
            workstream,
            shown,
            meeting=meeting,
            members=members,
            register={a.member_id: a for a in meeting.attendance if a.member_id},
            guests=[a for a in meeting.attendance if a.member_id is None],
            has_minutes=bool(await governance.meetings.has_minutes([meeting.id])),
        )

    @post("/meetings/{meeting_id:uuid}/attendance")
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        async def change() -> object:
            _, members = await governance.roster.members(current_principal(request), code)
            entries = register_entries(data, [m.id for m in members])
            return await governance.meetings.record_attendance(acting(request), code, meeting_id, entries)

        async def again(shown: Shown) -> Template:
            return await self._meeting(request, governance, code, meeting_id, shown)

        return await submit(governance, change, f"{governance_path(code)}/meetings/{meeting_id}?done=attendance", again)

    @post("/meetings/{meeting_id:uuid}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        async def change() -> object:
            return await governance.meetings.cancel(acting(request), code, meeting_id, field(data, "reason"))

        async def again(shown: Shown) -> Template:
            return await self._meeting(request, governance, code, meeting_id, shown.against("reason"))

        return await submit(governance, change, f"{governance_path(code)}/meetings/{meeting_id}?done=cancelled", again)


def register_entries(form: Form, member_ids: list[UUID]) -> list[AttendanceEntryIn]:
    """The attendance form: a status (and perhaps a deputy) per member, and one optional guest."""
    entries = []
    for member_id in member_ids:
        status = field(form, f"status-{member_id}")
        if status:
            entries.append(
                AttendanceEntryIn(
                    status=attendance_status(status, f"status-{member_id}"),
                    member_id=member_id,
                    represented_by=field(form, f"deputy-{member_id}"),
                )
            )
    guest = field(form, "guest_name")
    if guest:
        entries.append(
            AttendanceEntryIn(
                status=attendance_status(field(form, "guest_status") or "present", "guest_status"),
                name=guest,
                organisation=field(form, "guest_organisation"),
            )
        )
    if not entries:
        raise InvalidInput.one("form", "Record at least one person's attendance")
    return entries


def attendance_status(value: str, name: str) -> AttendanceStatus:
    try:
        return AttendanceStatus(value)
    except ValueError:
        raise InvalidInput.one(name, "Choose present, apologies or absent") from None
