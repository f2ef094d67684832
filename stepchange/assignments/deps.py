"""The assignment service's provider, and what its doors share: an offer as the two APIs receive it, the
hours as the two pages' forms give them (the assignments API and page, and the desk's)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.assignments.models import AssignmentRole
from stepchange.assignments.schemas import AssignmentOut, assignment_out
from stepchange.assignments.services import AssignmentService
from stepchange.core.errors import InvalidInput
from stepchange.core.forms import field
from stepchange.core.guards import Principal
from stepchange.core.settings import Settings

provide_assignments = create_service_provider(AssignmentService)


class OfferRequest(Protocol):
    """An offer as the API's two doors receive it (``/api/assignments`` and the desk's ``/api/desk/offers``)."""

    @property
    def volunteer_id(self) -> UUID: ...
    @property
    def project(self) -> str: ...
    @property
    def role(self) -> AssignmentRole: ...
    @property
    def hours(self) -> int | None: ...
    @property
    def confirm_uncleared(self) -> bool: ...
    @property
    def override(self) -> str: ...


async def offer_as_asked(
    assignments: AssignmentService, actor: Principal, data: OfferRequest, settings: Settings
) -> AssignmentOut:
    """Make the offer the request asks for, and answer with the place as it now stands."""
    assignment = await assignments.offer(
        actor,
        data.volunteer_id,
        data.project,
        data.role,
        data.hours,
        override=data.override,
        confirm_uncleared=data.confirm_uncleared,
        settings=settings,
    )
    return assignment_out(await assignments.one(assignment.id))


def form_hours(form: dict[str, Any]) -> int:
    """The hours a month a place takes, as a page's form gives them (the service checks the range)."""
    value = field(form, "hours")
    if not value.isdigit():
        raise InvalidInput.one("hours", "Enter the hours a month this place takes, as a number")
    return int(value)
