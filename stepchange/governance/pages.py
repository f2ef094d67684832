"""Work-stream pages: the public ones, and (for members and the office) how each work-stream is run."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from stepchange.core import clock
from stepchange.core.authz import runs_workstream
from stepchange.core.errors import FieldError, InvalidInput, RuleViolation, StaleVersion, to_problem
from stepchange.core.forms import Form, field, form_errors
from stepchange.core.guards import current_principal, requires_role, signed_in
from stepchange.core.pagination import Window
from stepchange.governance.controllers import acting, provide_governance
from stepchange.governance.models import ActionStatus, AttendanceStatus, Meeting, Minutes, Seat
from stepchange.governance.schemas import (
    ActionChangeIn,
    ActionIn,
    AppointIn,
    AttendanceEntryIn,
    MeetingIn,
    MemberChangeIn,
    MemberIn,
)
from stepchange.governance.services import ActionFilter, GovernanceServices
from stepchange.workstreams.models import Workstream

REFUSALS = (InvalidInput, RuleViolation, StaleVersion)
"""Refusals a form shows on its own page with an error summary; others (401, 403, 404) get the error page."""

TIME = re.compile(r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*(?P<half>am|pm)?", re.IGNORECASE)
ALL = Window(limit=500, offset=0)


# --- reading forms ----------------------------------------------------------------------------------


def form_date(form: Form, name: str, label: str) -> dt.date | None:
    """A GOV.UK date input (``name-day``, ``name-month``, ``name-year``); ``None`` when left empty."""
    parts = [field(form, f"{name}-{part}") for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise InvalidInput.one(name, f"{label} must be a real date, like 27 3 2027") from None


def form_time(form: Form, name: str) -> dt.time | None:
    """A time of day as people type it: ``14:30``, ``9.15``, ``2:30pm``; ``None`` when left empty."""
    text = field(form, name)
    if not text:
        return None
    match = TIME.fullmatch(text)
    hour, minute = (int(match["hour"]), int(match["minute"])) if match else (-1, -1)
    if match and match["half"]:
        hour = hour % 12 + (12 if match["half"].lower() == "pm" else 0) if 1 <= hour <= 12 else -1
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput.one(name, "Enter a time like 14:30 or 2:30pm")
    return dt.time(hour, minute)


def form_uuid(value: str) -> UUID | None:
    """A choice from a list of people or records; ``None`` when missing or not an id."""
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def date_values(day: dt.date | None) -> dict[str, str]:
    """A date back into the three boxes of a date input."""
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)} if day else {}


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


async def submit(
    governance: GovernanceServices,
    change: Callable[[], Awaitable[Any]],
    done: str | Callable[[Any], str],
    again: Callable[[list[FieldError], int], Awaitable[Template]],
) -> Template | Redirect:
    """Make a change from a form: on success go to ``done`` (303); on a refusal show the form again with why.

    ``done`` may be worked out from what the change made (a new meeting's page).
    """
    try:
        made = await change()
    except REFUSALS as exc:
        await governance.session.rollback()
        return await again(form_errors(exc), to_problem(exc).status)
    return see_other(done if isinstance(done, str) else done(made))


# --- the governance pages -----------------------------------------------------------------------------


class WorkstreamOfficePages(Controller):
    """How a work-stream is run, for its members and the programme office (never for the public)."""

    path = "/workstreams/{code:str}/governance"
    include_in_schema = False
    guards = [signed_in]
    dependencies = {"governance": Provide(provide_governance, sync_to_thread=False)}

    @staticmethod
    def page(
        request: Request[Any, Any, Any],
        name: str,
        workstream: Workstream,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        """Every governance page knows its work-stream, who is looking, and what they may do."""
        principal = current_principal(request)
        return Template(
            f"workstreams/{name}.html",
            context={
                "workstream": workstream,
                "runs": runs_workstream(principal, workstream.id),
                "office": principal is not None and principal.role == "coordinator",
                "seats": list(Seat),
                "today": clock.uk_today(),
                "errors": [],
                "values": {},
                "done": request.query_params.get("done"),
                **context,
            },
            status_code=status_code,
        )

    @staticmethod
    def base(code: str) -> str:
        return f"/workstreams/{code.upper()}/governance"

    # --- the overview ---

    @get("/", name="governance")
    async def overview(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        principal = current_principal(request)
        workstream, appointments = await governance.appointments.history(principal, code)
        _, members = await governance.roster.members(principal, code)
        _, upcoming = await governance.meetings.meetings(principal, code, upcoming=True)
        _, past = await governance.meetings.meetings(principal, code, upcoming=False)
        _, actions, _ = await governance.actions.actions(principal, code, ActionFilter(open=True), ALL)
        return self.page(
            request,
            "governance",
            workstream,
            current={a.seat: a for a in appointments if a.ended_on is None},
            members=members,
            upcoming=upcoming,
            past=list(reversed(past)),
            actions=actions,
        )

    # --- co-chairs and deputies ---

    @get("/appointments", name="appointments")
    async def appointments(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._appointments(request, governance, code)

    async def _appointments(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, str] | None = None,
    ) -> Template:
        workstream, appointments = await governance.appointments.history(current_principal(request), code)
        return self.page(
            request,
            "appointments",
            workstream,
            status_code,
            appointments=appointments,
            candidates=await governance.appointments.staff(appointable=True),
            errors=errors or [],
            values=values or {},
        )

    @post("/appointments", guards=[requires_role("coordinator")])
    async def appoint(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("staff_user_id", "seat", "organisation", "replace")}

        async def change() -> object:
            person = form_uuid(values["staff_user_id"])
            seat = Seat(values["seat"]) if values["seat"] in set(Seat) else None
            if person is None or seat is None:
                wanted = [
                    ("staff_user_id", "Choose who to appoint", person),
                    ("seat", "Choose the seat they take", seat),
                ]
                raise InvalidInput([FieldError(name, message) for name, message, got in wanted if got is None])
            appoint = AppointIn(
                staff_user_id=person,
                seat=seat,
                organisation=values["organisation"] or None,
                replace=values["replace"] == "yes",
            )
            return await governance.appointments.appoint(acting(request), code, appoint)

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._appointments(request, governance, code, errors, status, values)

        return await submit(governance, change, f"{self.base(code)}/appointments?done=appointed", again)

    @post("/appointments/{appointment_id:uuid}/end", guards=[requires_role("coordinator")])
    async def end_appointment(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        appointment_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        async def change() -> object:
            return await governance.appointments.end(acting(request), code, appointment_id, field(data, "reason"))

        async def again(errors: list[FieldError], status: int) -> Template:
            errors = [FieldError(f"reason-{appointment_id}", e.message) for e in errors]
            return await self._appointments(request, governance, code, errors, status)

        return await submit(governance, change, f"{self.base(code)}/appointments?done=ended", again)

    # --- the roster ---

    @get("/roster", name="roster")
    async def roster(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._roster(request, governance, code)

    async def _roster(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, str] | None = None,
    ) -> Template:
        workstream, members = await governance.roster.members(current_principal(request), code)
        _, former = await governance.roster.members(current_principal(request), code, former=True)
        return self.page(
            request,
            "roster",
            workstream,
            status_code,
            members=members,
            former=former,
            candidates=await governance.appointments.staff(),
            errors=errors or [],
            values=values or {},
        )

    @post("/roster")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        names = ("name", "organisation", "email", "staff_user_id", "deputy_name", "deputy_organisation")
        values = {k: field(data, k) for k in names}

        async def change() -> object:
            staff_user_id = form_uuid(values["staff_user_id"])
            if values["staff_user_id"] and staff_user_id is None:
                raise InvalidInput.one("staff_user_id", "Choose a member of staff from the list")
            member = MemberIn(**{k: v for k, v in values.items() if k != "staff_user_id"}, staff_user_id=staff_user_id)
            return await governance.roster.add(acting(request), code, member)

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._roster(request, governance, code, errors, status, values)

        return await submit(governance, change, f"{self.base(code)}/roster?done=added", again)

    @get("/roster/{member_id:uuid}", name="roster_member")
    async def member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
    ) -> Template:
        return await self._member(request, governance, code, member_id)

    async def _member(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        member_id: UUID,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, str] | None = None,
    ) -> Template:
        member = await governance.roster.member(current_principal(request), code, member_id)
        workstream = await governance.roster.workstream(code)
        return self.page(
            request, "member", workstream, status_code, member=member, errors=errors or [], values=values or {}
        )

    @post("/roster/{member_id:uuid}")
    async def change_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        leaving = field(data, "action") == "leave"
        values = {k: field(data, k) for k in ("name", "organisation", "email", "deputy_name", "deputy_organisation")}

        async def change() -> object:
            if leaving:
                return await governance.roster.leave(acting(request), code, member_id)
            return await governance.roster.change(acting(request), code, member_id, MemberChangeIn(**values))

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._member(request, governance, code, member_id, errors, status, values)

        done = "left" if leaving else "changed"
        return await submit(governance, change, f"{self.base(code)}/roster/{member_id}?done={done}", again)

    # --- meetings ---

    @get("/standing-items", name="standing_items")
    async def standing_items(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        items = await governance.meetings.standing_items(current_principal(request), code)
        workstream = await governance.meetings.workstream(code)
        return self.page(request, "standing_items", workstream, values={"items": "\n".join(items)})

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

        async def again(errors: list[FieldError], status: int) -> Template:
            errors = [FieldError("items", e.message) for e in errors]
            workstream = await governance.meetings.workstream(code)
            return self.page(request, "standing_items", workstream, status, errors=errors, values={"items": text})

        return await submit(governance, change, f"{self.base(code)}/meetings/new?done=standing", again)

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
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, Any] | None = None,
    ) -> Template:
        workstream = await governance.meetings.for_runners(current_principal(request), code, "schedule its meetings")
        standing = await governance.meetings.standing_items(current_principal(request), code)
        return self.page(
            request, "meeting_new", workstream, status_code, standing=standing, errors=errors or [], values=values or {}
        )

    @post("/meetings")
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "location", "extra_agenda", "starts_at-time")}
        values["starts_at"] = {p: field(data, f"starts_at-{p}") for p in ("day", "month", "year")}

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

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._new_meeting(request, governance, code, errors, status, values)

        return await submit(
            governance, change, lambda meeting: f"{self.base(code)}/meetings/{meeting.id}?done=scheduled", again
        )

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
        errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        principal = current_principal(request)
        meeting = await governance.meetings.meeting(principal, code, meeting_id)
        workstream, members = await governance.roster.members(principal, code)
        return self.page(
            request,
            "meeting",
            workstream,
            status_code,
            meeting=meeting,
            members=members,
            register={a.member_id: a for a in meeting.attendance if a.member_id},
            guests=[a for a in meeting.attendance if a.member_id is None],
            has_minutes=bool(await governance.meetings.has_minutes([meeting.id])),
            errors=errors or [],
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

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._meeting(request, governance, code, meeting_id, errors, status)

        return await submit(governance, change, f"{self.base(code)}/meetings/{meeting_id}?done=attendance", again)

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

        async def again(errors: list[FieldError], status: int) -> Template:
            errors = [FieldError("reason", e.message) for e in errors]
            return await self._meeting(request, governance, code, meeting_id, errors, status)

        return await submit(governance, change, f"{self.base(code)}/meetings/{meeting_id}?done=cancelled", again)

    # --- minutes ---

    @get("/meetings/{meeting_id:uuid}/minutes", name="minutes")
    async def minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        edit: FromQuery[bool] = False,
    ) -> Template:
        """Reading the minutes is recorded; their writer may also open them to edit (or write the first draft)."""
        principal = current_principal(request)
        if edit:
            minutes = await governance.minutes.draft(principal, code, meeting_id)
        else:
            minutes = await governance.minutes.read(principal, code, meeting_id)
        meeting = await governance.meetings.meeting(principal, code, meeting_id)
        return await self._minutes_page(request, governance, code, meeting, minutes, edit=edit)

    async def _minutes_page(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        meeting: Meeting,
        minutes: Minutes | None,
        *,
        edit: bool,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, str] | None = None,
    ) -> Template:
        workstream = await governance.meetings.workstream(code)
        return self.page(
            request,
            "minutes",
            workstream,
            status_code,
            meeting=meeting,
            minutes=minutes,
            reads=await governance.minutes.reads(minutes) if minutes else [],
            edit=edit,
            errors=errors or [],
            values=values
            or {"text": minutes.text if minutes else "", "version": str(minutes.version if minutes else 0)},
        )

    @post("/meetings/{meeting_id:uuid}/minutes")
    async def write_minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        """A stale save is shown again with the writer's own text kept, beside what is saved now."""
        text, version = str(data.get("text", "")), field(data, "version")

        async def change() -> object:
            sent = int(version) if version.isdigit() else None
            return await governance.minutes.write(acting(request), code, meeting_id, text, sent)

        async def again(errors: list[FieldError], status: int) -> Template:
            principal = current_principal(request)
            meeting = await governance.meetings.meeting(principal, code, meeting_id)
            saved = await governance.minutes.draft(principal, code, meeting_id)
            errors = [FieldError("text", e.message) for e in errors]
            values = {"text": text, "version": str(saved.version if saved else 0)}
            return await self._minutes_page(
                request, governance, code, meeting, saved, edit=True, errors=errors, status_code=status, values=values
            )

        return await submit(governance, change, f"{self.base(code)}/meetings/{meeting_id}/minutes?done=saved", again)

    # --- the action log ---

    @get("/actions", name="actions")
    async def actions(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        show: FromQuery[str | None] = None,
    ) -> Template:
        return await self._actions(request, governance, code, show)

    async def _actions(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        show: str | None,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, Any] | None = None,
    ) -> Template:
        which = ACTION_VIEWS.get(show or "open", ACTION_VIEWS["open"])
        workstream, actions, total = await governance.actions.actions(current_principal(request), code, which, ALL)
        return self.page(
            request,
            "actions",
            workstream,
            status_code,
            actions=actions,
            total=total,
            show=show if show in ACTION_VIEWS else "open",
            errors=errors or [],
            values=values or {},
        )

    @post("/actions")
    async def add_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "owner", "notes")}
        values["due_on"] = {p: field(data, f"due_on-{p}") for p in ("day", "month", "year")}

        async def change() -> object:
            due_on = form_date(data, "due_on", "The due date")
            item = ActionIn(title=values["title"], owner=values["owner"], notes=values["notes"], due_on=due_on)
            return await governance.actions.add(acting(request), code, item)

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._actions(request, governance, code, None, errors, status, values)

        return await submit(governance, change, f"{self.base(code)}/actions?done=added", again)

    @get("/actions/{action_id:uuid}", name="action")
    async def action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
    ) -> Template:
        return await self._action(request, governance, code, action_id)

    async def _action(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        action_id: UUID,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        values: dict[str, Any] | None = None,
    ) -> Template:
        item = await governance.actions.action(current_principal(request), code, action_id)
        shown = values or {
            "title": item.title,
            "owner": item.owner_name,
            "notes": item.notes,
            "status": item.status.value,
            "due_on": date_values(item.due_on),
            "version": str(item.version),
        }
        return self.page(
            request,
            "action",
            item.workstream,
            status_code,
            action=item,
            statuses=list(ActionStatus),
            errors=errors or [],
            values=shown,
        )

    @post("/actions/{action_id:uuid}")
    async def change_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "owner", "notes", "status", "version")}
        values["due_on"] = {p: field(data, f"due_on-{p}") for p in ("day", "month", "year")}

        async def change() -> object:
            try:
                status = ActionStatus(values["status"])
            except ValueError:
                raise InvalidInput.one("status", "Choose how the action stands") from None
            update = ActionChangeIn(
                version=int(values["version"]) if values["version"].isdigit() else None,
                title=values["title"],
                owner=values["owner"],
                notes=values["notes"],
                status=status,
                due_on=form_date(data, "due_on", "The due date"),
            )
            return await governance.actions.change(acting(request), code, action_id, update)

        async def again(errors: list[FieldError], status: int) -> Template:
            return await self._action(request, governance, code, action_id, errors, status, values)

        return await submit(governance, change, f"{self.base(code)}/actions/{action_id}?done=updated", again)

    @post("/actions/{action_id:uuid}/escalate")
    async def escalate(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        async def change() -> object:
            return await governance.actions.escalate(acting(request), code, action_id, field(data, "reason"))

        async def again(errors: list[FieldError], status: int) -> Template:
            errors = [FieldError("reason", e.message) for e in errors]
            return await self._action(request, governance, code, action_id, errors, status)

        return await submit(governance, change, f"{self.base(code)}/actions/{action_id}?done=escalated", again)


ACTION_VIEWS = {
    "open": ActionFilter(open=True),
    "overdue": ActionFilter(overdue=True),
    "escalated": ActionFilter(open=True, escalated=True),
    "closed": ActionFilter(open=False),
    "all": ActionFilter(),
}
"""The action log's views, as the page's filter links name them."""


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


class EscalationPages(Controller):
    """The escalated actions of every work-stream, for the programme board and the office."""

    include_in_schema = False
    dependencies = {"governance": Provide(provide_governance, sync_to_thread=False)}

    @get("/escalations", name="escalations", guards=[requires_role("coordinator", "board")])
    async def escalations(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices]
    ) -> Template:
        principal = current_principal(request)
        actions, total = await governance.actions.escalations(principal, ALL)
        office = principal is not None and principal.role == "coordinator"
        context = {"actions": actions, "total": total, "today": clock.uk_today(), "office": office}
        return Template("workstreams/escalations.html", context=context)
