"""Providers of the interest services and the office's people filters, and the work the public doors do
after answering, shared by the API and the pages."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.after_response import after_response
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.settings import Settings
from stepchange.interest.call_cache import call_cache
from stepchange.interest.calls import CallService
from stepchange.interest.intake import FILING, Received, file_received
from stepchange.interest.models import ChoiceRole
from stepchange.interest.search import PeopleLookup, PeopleSearch
from stepchange.interest.services import InterestService, resend_confirmation
from stepchange.people.models import Identity

provide_calls = create_service_provider(CallService)


async def provide_interest(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]
) -> AsyncGenerator[InterestService, None]:
    """The interest service, checking submissions against this worker's kept calls (``interest.call_cache``)."""
    async with InterestService.new(session=db_session) as service:
        service.calls = call_cache(request.app)
        yield service


provide_lookup = create_service_provider(PeopleLookup)
RATE_LIMITED = {PUBLIC_RATE_LIMIT: True}
"""Route options for the public doors (submitting, asking for the link again): rate-limited per client."""


def filed_after_response(request: Request[Any, Any, Any], received: Received, settings: Settings) -> BackgroundTask:
    """File a received submission once the answer has gone (the public form and API)."""
    return after_response(request, FILING, file_received, received, settings)


def resent_after_response(request: Request[Any, Any, Any], email: str, settings: Settings) -> BackgroundTask:
    """Look the address up and send its confirmation link again once the answer has gone."""
    return after_response(request, "Resending a confirmation link", resend_confirmation, email, settings)


async def provide_people_search(
    email: Annotated[str | None, QueryParameter(max_length=320, description="Exact address, any letter case")] = None,
    call: Annotated[UUID | None, QueryParameter(description="Answered this call")] = None,
    identity: Annotated[Identity | None, QueryParameter(description="At this identity level")] = None,
    project: Annotated[str | None, QueryParameter(max_length=8, description="Chose this project")] = None,
    role: Annotated[ChoiceRole | None, QueryParameter(description="Sought this role")] = None,
    sector: Annotated[str | None, QueryParameter(max_length=200)] = None,
    organisation: Annotated[str | None, QueryParameter(max_length=200, description="Organisation contains")] = None,
    q: Annotated[
        str | None,
        QueryParameter(
            max_length=200, description="Words in name, address or organisation (any letter case or accents)"
        ),
    ] = None,
) -> PeopleSearch:
    return PeopleSearch(
        email=email or None,
        call_id=call,
        identity=identity,
        project=project or None,
        role=role,
        sector=sector or None,
        organisation=organisation or None,
        text=q or None,
    )
