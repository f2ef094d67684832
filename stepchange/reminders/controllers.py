"""The calendar doors: ``POST /api/auth/calendar`` makes a staff member's secret feed address, and the
feeds themselves (``GET /calendar/{token}.ics``, and a volunteer's team at ``/calendar/team/…``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff, any_staff
from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.core.errors import NotFound
from stepchange.core.settings import Settings
from stepchange.projects.models import Project
from stepchange.reminders.calendar import issue_feed, owner_of, staff_feed, team_feed
from stepchange.reminders.signing import TEAM_CALENDAR, sign, verify

ICS = "text/calendar; charset=utf-8"
SUFFIX = ".ics"


def team_calendar_url(settings: Settings, assignment_id: object) -> str:
    """The address of a volunteer's team calendar (their accepted place's work-stream meetings)."""
    return f"{settings.base_url}/calendar/team/{sign(settings, TEAM_CALENDAR, assignment_id)}{SUFFIX}"  # type: ignore[arg-type]


def _token(name: str) -> str:
    if not name.endswith(SUFFIX) or len(name) > 200:
        raise NotFound("calendar", "that address")
    return name.removesuffix(SUFFIX)


def _ics(body: bytes, filename: str) -> Response[bytes]:
    headers = {"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{filename}"'}
    return Response(body, media_type=ICS, headers=headers)


class CalendarAddressController(Controller):
    path = "/api/auth/calendar"
    tags = ["Staff accounts"]

    @post("/", guards=[any_staff], summary="A new secret calendar address (the old one stops working)")
    async def issue(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> dict[str, str]:
        user = await db_session.get_one(StaffUser, acting_staff(request).id)
        return {"url": await issue_feed(db_session, user, settings)}


class CalendarFeedController(Controller):
    path = "/calendar"
    tags = ["Calendars"]

    @get("/{name:str}", summary="A staff member's calendar feed (RFC 5545)", media_type=ICS)
    async def staff(
        self, db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings], name: FromPath[str]
    ) -> Response[bytes]:
        user = await owner_of(db_session, _token(name))
        if user is None:
            raise NotFound("calendar", "that address")
        return _ics(await staff_feed(db_session, user, settings), "step-change.ics")

    @get("/team/{name:str}", summary="A volunteer's team meetings (RFC 5545)", media_type=ICS)
    async def team(
        self, db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings], name: FromPath[str]
    ) -> Response[bytes]:
        assignment_id = verify(settings, TEAM_CALENDAR, _token(name))
        assignment = await db_session.get(Assignment, assignment_id) if assignment_id else None
        if assignment is None or assignment.status is not AssignmentStatus.ACCEPTED:
            raise NotFound("calendar", "that address")
        project = await db_session.get_one(Project, assignment.project_id)
        return _ics(await team_feed(db_session, project.workstream_id, project.code), f"{project.code}-meetings.ics")
