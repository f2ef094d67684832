"""The API of co-chairs and deputies: their history, and the office's appointments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import coordinator_only
from stepchange.core.guards import current_principal
from stepchange.core.pagination import Window
from stepchange.governance.controllers.common import out
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.models import Appointment
from stepchange.governance.schemas import AppointIn, AppointmentChangeIn, AppointmentOut, EndIn


def appointment_out(appointment: Appointment, code: str) -> AppointmentOut:
    """The appointment with its work-stream's code, the holder's name, and whether it is current."""
    return out(
        AppointmentOut,
        appointment,
        workstream=code,
        name=appointment.staff_user.name,
        current=appointment.ended_on is None,
    )


class AppointmentController(Controller):
    """Co-chairs and deputies: anyone may read them who is a member; only the office appoints."""

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
