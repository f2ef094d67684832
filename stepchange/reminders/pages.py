"""Reminder pages: a staff member's digest and calendar settings (linked from /account), and the page
behind a volunteer's "stop reminders" link (a GET shows the button; only the POST stops them)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff, any_staff
from stepchange.accounts.models import StaffUser
from stepchange.core.errors import InvalidInput, NotFound
from stepchange.core.forms import Form, field, form_errors
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.reminders.calendar import has_feed, issue_feed
from stepchange.reminders.services import choose_digest, frequency_of, stop_reminders
from stepchange.reminders.signing import STOP, verify


class ReminderSettingsPages(Controller):
    path = "/account"
    include_in_schema = False
    guards = [any_staff]

    async def _settings_page(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        me = acting_staff(request).id
        context.setdefault("frequency", (await frequency_of(db_session, me)).value)
        context.setdefault("errors", [])
        context |= {"has_feed": await has_feed(db_session, me)}
        return Template("reminders/settings.html", context=context, status_code=status_code)

    @get("/reminders", name="reminder_settings")
    async def show(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], saved: FromQuery[bool] = False
    ) -> Template:
        return await self._settings_page(request, db_session, saved=saved)

    @post("/reminders")
    async def choose(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], data: Form
    ) -> Template | Redirect:
        try:
            await choose_digest(db_session, acting_staff(request), field(data, "frequency"))
        except InvalidInput as exc:
            errors = form_errors(exc, "frequency")
            return await self._settings_page(request, db_session, HTTP_400_BAD_REQUEST, errors=errors, frequency="")
        return see_other("/account/reminders?saved=true")

    @post("/calendar")
    async def calendar(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Template:
        user = await db_session.get_one(StaffUser, acting_staff(request).id)
        url = await issue_feed(db_session, user, settings)
        return Template("reminders/calendar_address.html", context={"url": url})


class StopReminderPages(Controller):
    path = "/reminders/stop"
    include_in_schema = False

    @get("/{token:str}", name="stop_reminders")
    async def show(self, settings: NamedDependency[Settings], token: FromPath[str]) -> Template:
        if verify(settings, STOP, token[:200]) is None:
            raise NotFound("link", "that address")
        return Template("reminders/stop.html", context={"token": token})

    @post("/{token:str}")
    async def stop(
        self, db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings], token: FromPath[str]
    ) -> Template:
        volunteer_id = verify(settings, STOP, token[:200])
        if volunteer_id is None or not await stop_reminders(db_session, volunteer_id):
            raise NotFound("link", "that address")
        return Template("reminders/stopped.html")
