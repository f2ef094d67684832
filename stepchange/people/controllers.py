"""The organisations register API, kept by the programme office."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core.pagination import Window
from stepchange.people.deps import organisation_out, provide_identities, provide_organisations
from stepchange.people.identity import IdentityService
from stepchange.people.organisations import OrganisationService
from stepchange.people.schemas import DomainAdded, DomainIn, OrganisationIn, OrganisationOut, PartIn


class OrganisationController(Controller):
    path = "/api/organisations"
    tags = ["Organisations"]
    guards = [coordinator_only]
    dependencies = {"organisations": Provide(provide_organisations), "identities": Provide(provide_identities)}

    @get("/", summary="The organisations register with each one's e-mail domains")
    async def list_organisations(
        self, organisations: NamedDependency[OrganisationService], window: NamedDependency[Window]
    ) -> OffsetPagination[OrganisationOut]:
        rows, total = await organisations.register_page(None, limit=window.limit, offset=window.offset)
        return window.page([organisation_out(o) for o in rows], total)

    @post("/", status_code=HTTP_201_CREATED, summary="Add an organisation (with its domains)")
    async def add_organisation(
        self,
        request: Request[Any, Any, Any],
        identities: NamedDependency[IdentityService],
        data: JSONBody[OrganisationIn],
    ) -> DomainAdded:
        actor = acting_staff(request)
        organisation, confirmed = await identities.register_organisation(actor, data.name, data.domains)
        return DomainAdded(organisation=organisation_out(organisation), people_confirmed=confirmed)

    @post("/{organisation_id:uuid}/domains", status_code=HTTP_201_CREATED, summary="Add an e-mail domain")
    async def add_domain(
        self,
        request: Request[Any, Any, Any],
        organisations: NamedDependency[OrganisationService],
        identities: NamedDependency[IdentityService],
        organisation_id: FromPath[UUID],
        data: JSONBody[DomainIn],
    ) -> DomainAdded:
        """A new domain may confirm the organisation of people already waiting at email_confirmed."""
        _, confirmed = await identities.register_domain(acting_staff(request), organisation_id, data.domain)
        return DomainAdded(
            organisation=organisation_out(await organisations.by_id(organisation_id)), people_confirmed=confirmed
        )

    @patch("/{organisation_id:uuid}", summary="Set the organisation's part: policing, private sector, government …")
    async def set_part(
        self,
        request: Request[Any, Any, Any],
        organisations: NamedDependency[OrganisationService],
        organisation_id: FromPath[UUID],
        data: JSONBody[PartIn],
    ) -> OrganisationOut:
        return organisation_out(await organisations.set_part(acting_staff(request), organisation_id, data.part))

    @delete("/{organisation_id:uuid}/domains/{domain:str}", summary="Remove an e-mail domain")
    async def remove_domain(
        self,
        request: Request[Any, Any, Any],
        organisations: NamedDependency[OrganisationService],
        organisation_id: FromPath[UUID],
        domain: FromPath[str],
    ) -> None:
        await organisations.remove_domain(acting_staff(request), organisation_id, domain)
