"""The organisations register page for the programme office."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.listing import Listing, read_page, read_sort
from stepchange.core.web import see_other
from stepchange.people.deps import provide_identities, provide_organisations
from stepchange.people.identity import IdentityService
from stepchange.people.models import Part
from stepchange.people.organisations import OrganisationService

SORTS = frozenset({"name"})
NOT_CLASSIFIED = "none"


class OrganisationPages(Controller):
    path = "/organisations"
    include_in_schema = False
    guards = [coordinator_only]
    dependencies = {"organisations": Provide(provide_organisations), "identities": Provide(provide_identities)}

    async def _page(
        self,
        organisations: OrganisationService,
        errors: list[FieldError] | None = None,
        done: str | None = None,
        status_code: int = 200,
        *,
        q: str | None = None,
        sort: str | None = None,
        page: str | None = None,
    ) -> Template:
        """A page of the register (never all of it), found by name, in name order either way."""
        order = read_sort(sort, SORTS, "name")
        listing = Listing("/organisations", {"q": q} if q else {}, order, 0, read_page(page), default_sort="name")
        rows, total = await organisations.register_page(
            q, limit=listing.size, offset=listing.offset, descending=order.startswith("-")
        )
        listing = Listing("/organisations", listing.filters, order, total, listing.page, default_sort="name")
        context = {
            "organisations": rows,
            "listing": listing,
            "q": q or "",
            "errors": errors or [],
            "done": done,
            "parts": list(Part),
            "not_classified": NOT_CLASSIFIED,
        }
        return Template("organisations/index.html", context=context, status_code=status_code)

    @get("/", name="organisations")
    async def index(
        self,
        organisations: NamedDependency[OrganisationService],
        done: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sort: Annotated[str | None, QueryParameter(max_length=40)] = None,
        page: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        return await self._page(organisations, done=done, q=q, sort=sort, page=page)

    @post("/")
    async def change(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        organisations: NamedDependency[OrganisationService],
        identities: NamedDependency[IdentityService],
    ) -> Template | Redirect:
        """Add an organisation, a domain to one (which may confirm people waiting for it), or say which part
        of the programme one belongs to (the desk balances teams by it)."""
        actor = acting_staff(request)
        try:
            action = field(data, "action")
            if action == "domain":
                chosen = _organisation(data)
                _, confirmed = await identities.register_domain(actor, chosen, field(data, "domain"))
                done = f"domain-{confirmed}"
            elif action == "part":
                chosen = _organisation(data, "part_organisation")
                await organisations.set_part(actor, chosen, _part(field(data, "part")))
                done = "part"
            else:
                await identities.register_organisation(actor, field(data, "name"))
                done = "added"
        except FormRefusal as exc:
            await organisations.session.rollback()
            return await self._page(organisations, form_errors(exc, "domain"), status_code=refusal_status(exc))
        return see_other(f"/organisations?done={done}")


def _organisation(data: Form, name: str = "organisation") -> UUID:
    """The organisation a form names (one of those listed on the page)."""
    try:
        return UUID(field(data, name))
    except ValueError:
        raise InvalidInput.one(name, "Choose the organisation") from None


def _part(value: str) -> Part | None:
    """The part of the programme chosen ("none": not classified)."""
    if value == NOT_CLASSIFIED:
        return None
    try:
        return Part(value)
    except ValueError:
        raise InvalidInput.one("part", "Choose which part of the programme the organisation belongs to") from None
