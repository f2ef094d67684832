"""``/home``: each member of staff's own to-do list, and the office's erasure queue worked from the pages
(carry out, or refuse with a reason, each through a confirmation page)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff, any_staff, coordinator_only
from stepchange.core.authz import Role
from stepchange.core.errors import FieldError
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.homes.board import board_home
from stepchange.homes.co_chair import co_chair_home
from stepchange.homes.ethics import ethics_home
from stepchange.homes.office import office_home
from stepchange.people.models import Volunteer
from stepchange.volunteers.services import SelfService


class HomePages(Controller):
    path = "/home"
    include_in_schema = False
    guards = [any_staff]

    @get("/", name="home_for_staff")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        done: FromQuery[str | None] = None,
    ) -> Template:
        """The signed-in person's work, by their role (sign-in lands here)."""
        me = acting_staff(request)
        if me.role == Role.COORDINATOR:
            return Template(
                "homes/office.html", context={"home": await office_home(db_session), "me": me, "done": done}
            )
        if me.role == Role.ETHICS:
            ethics = await ethics_home(db_session, settings.ethics_service_days)
            return Template("homes/ethics.html", context={"home": ethics, "me": me, "done": done})
        if me.role == Role.CO_CHAIR and me.workstream_id is not None:
            home = await co_chair_home(db_session, me.workstream_id, settings.stale_days)
            return Template("homes/co_chair.html", context={"home": home, "me": me, "done": done})
        if me.role == Role.CO_CHAIR:
            return Template("homes/co_chair.html", context={"home": None, "me": me, "done": done})
        return Template(
            "homes/board.html",
            context={"home": await board_home(db_session, settings.stale_days), "me": me, "done": done},
        )


class ErasurePages(Controller):
    """A person's erasure request, from the office's home or the person's page: carry it out, or refuse it."""

    path = "/people/{volunteer_id:uuid}/erasure"
    include_in_schema = False
    guards = [coordinator_only]

    async def _page(
        self,
        name: str,
        db_session: AsyncSession,
        volunteer_id: UUID,
        errors: list[FieldError] | None = None,
        reason: str = "",
        status_code: int = 200,
    ) -> Template:
        erasure = await SelfService(session=db_session).waiting_erasure(volunteer_id)
        person = await db_session.get_one(Volunteer, volunteer_id)
        context = {
            "person": person,
            "erasure": erasure,
            "due_on": erasure.due_on,
            "errors": errors or [],
            "reason": reason,
        }
        return Template(f"homes/{name}.html", context=context, status_code=status_code)

    @get("/carry-out", name="erasure_confirm")
    async def confirm(self, db_session: NamedDependency[AsyncSession], volunteer_id: FromPath[UUID]) -> Template:
        return await self._page("erasure_confirm", db_session, volunteer_id)

    @post("/carry-out")
    async def carry_out(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], volunteer_id: FromPath[UUID]
    ) -> Redirect:
        service = SelfService(session=db_session)
        await service.waiting_erasure(volunteer_id)
        await service.erase(acting_staff(request), volunteer_id)
        return see_other("/home?done=erased")

    @get("/refuse", name="erasure_refuse")
    async def refuse_form(self, db_session: NamedDependency[AsyncSession], volunteer_id: FromPath[UUID]) -> Template:
        return await self._page("erasure_refuse", db_session, volunteer_id)

    @post("/refuse")
    async def refuse(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        db_session: NamedDependency[AsyncSession],
        volunteer_id: FromPath[UUID],
    ) -> Template | Redirect:
        try:
            await SelfService(session=db_session).refuse_erasure(
                acting_staff(request), volunteer_id, field(data, "reason")
            )
        except FormRefusal as exc:
            await db_session.rollback()
            return await self._page(
                "erasure_refuse",
                db_session,
                volunteer_id,
                form_errors(exc, "reason"),
                field(data, "reason"),
                refusal_status(exc),
            )
        return see_other(f"/people/{volunteer_id}?done=erasure_refused")
