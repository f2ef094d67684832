"""What the self-service API and pages share: the service's provider, the volunteer's guard and session,
who is signed in, their record as both doors show it, and the sign-in link sent after answering."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.background_tasks import BackgroundTask
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.after_response import after_response
from stepchange.core.authz import Role
from stepchange.core.guards import Principal, current_principal, requires_role
from stepchange.core.settings import Settings
from stepchange.interest.schemas import ChoiceOut, ExpressionOut
from stepchange.people.models import Volunteer
from stepchange.volunteers.schemas import MyAssignmentOut, MyDeclarationOut, MyRecordOut
from stepchange.volunteers.services import SelfService

provide_self_service = create_service_provider(SelfService)
volunteer_only = requires_role(Role.VOLUNTEER)
VOLUNTEER_SESSION = "volunteer"
"""The kind of session a volunteer signed in by link holds (staff hold ``staff`` ones)."""


async def send_sign_in_link(session: AsyncSession, email: str, settings: Settings) -> None:
    """:meth:`SelfService.request_link` in a session of its own."""
    await SelfService(session=session).request_link(email, settings)


def link_after_response(request: Request[Any, Any, Any], email: str, settings: Settings) -> BackgroundTask:
    """Look the address up and e-mail its sign-in link once the answer has gone, so that the answer takes
    as long whether or not the address is known (issue 21)."""
    return after_response(request, "Sending a sign-in link", send_sign_in_link, email, settings)


def me(request: Request[Any, Any, Any]) -> Principal:
    """The volunteer a guarded route acts for."""
    principal = current_principal(request)
    assert principal is not None, "guarded routes always have a principal"
    return principal


async def my_record(service: SelfService, person: Volunteer) -> MyRecordOut:
    """My record as the API sends it and my record page shows it."""
    declarations = await service.declarations(person)
    expressions = await service.expressions(person)
    project_codes = await service.project_codes()
    return MyRecordOut(
        id=person.id,
        name=person.name,
        email=person.email,
        identity=person.identity,
        hours_per_month=person.hours_per_month,
        expressions=[
            ExpressionOut(
                id=e.id,
                call=c.name,
                status=e.status,
                submitted_at=e.submitted_at,
                late=e.late,
                hours_per_month=e.hours_per_month,
                choices=[
                    ChoiceOut(project=project_codes[ch.project_id], rank=ch.rank, role=ch.role) for ch in e.choices
                ],
            )
            for e, c in expressions
        ],
        declarations=[
            MyDeclarationOut(
                id=d.id,
                kind=d.kind,
                description=d.description,
                organisation=d.organisation,
                projects=[p.code for p in d.projects],
                review=d.state,
                withdrawn=d.withdrawn_at is not None,
            )
            for d in declarations
        ],
        assignments=[
            MyAssignmentOut(project=p.code, role=a.role.value, status=a.status.value)
            for a, p in await service.assignments(person)
        ],
    )
