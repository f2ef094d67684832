"""Co-chairs and deputies: who holds each seat and who held it before; the programme office appoints."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stepchange.accounts.guards import coordinator_only
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, field, form_uuid
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.models import Seat
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit
from stepchange.governance.schemas import AppointIn


class AppointmentPages(Controller):
    """The appointments page, and the office's forms to appoint and to end an appointment."""

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
        shown: Shown = FRESH,
    ) -> Template:
        workstream, appointments = await governance.appointments.history(current_principal(request), code)
        return page(
            request,
            "appointments",
            workstream,
            shown,
            appointments=appointments,
            candidates=await governance.appointments.staff(appointable=True),
        )

    @post("/appointments", guards=[coordinator_only])
    async def appoint(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("staff_user_id", "seat", "organisation", "replace")}

        async def change() -> object:
            return await governance.appointments.appoint(acting(request), code, appointment(values))

        async def again(shown: Shown) -> Template:
            return await self._appointments(request, governance, code, shown)

        done = f"{governance_path(code)}/appointments?done=appointed"
        return await submit(governance, change, done, again, values)

    @post("/appointments/{appointment_id:uuid}/end", guards=[coordinator_only])
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

        async def again(shown: Shown) -> Template:
            return await self._appointments(request, governance, code, shown.against(f"reason-{appointment_id}"))

        return await submit(governance, change, f"{governance_path(code)}/appointments?done=ended", again)


def appointment(values: dict[str, str]) -> AppointIn:
    """The appointment form as the service takes it; who and which seat must be chosen from the lists."""
    person = form_uuid(values["staff_user_id"])
    seat = Seat(values["seat"]) if values["seat"] in set(Seat) else None
    if person is None or seat is None:
        wanted = [
            ("staff_user_id", "Choose who to appoint", person),
            ("seat", "Choose the seat they take", seat),
        ]
        raise InvalidInput([FieldError(name, message) for name, message, got in wanted if got is None])
    return AppointIn(
        staff_user_id=person,
        seat=seat,
        organisation=values["organisation"] or None,
        replace=values["replace"] == "yes",
    )
