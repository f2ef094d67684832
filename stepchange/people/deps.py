"""Providers of the people services, shared by the API controllers and the pages (interest's too)."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.people.identity import IdentityService
from stepchange.people.models import Organisation
from stepchange.people.organisations import OrganisationService
from stepchange.people.schemas import OrganisationOut
from stepchange.people.services import PeopleService

provide_organisations = create_service_provider(OrganisationService)
provide_people = create_service_provider(PeopleService)


async def provide_identities(db_session: NamedDependency[AsyncSession]) -> IdentityService:
    return IdentityService(db_session)


def organisation_out(organisation: Organisation) -> OrganisationOut:
    """An organisation as the API shows it: its domains as plain names."""
    return OrganisationOut(
        id=organisation.id,
        name=organisation.name,
        domains=[d.domain for d in organisation.domains],
        part=organisation.part,
    )
