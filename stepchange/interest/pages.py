"""The office's people pages; the public form's pages live in ``pages_questions``, ``pages_declarations`` and
``pages_links`` (re-exported here for the application's routes)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService
from stepchange.interest.deps import (
    provide_calls,
    provide_lookup,
    provide_people_search,
)
from stepchange.interest.pages_questions import InterestPages
from stepchange.interest.rules import SECTORS
from stepchange.interest.search import PeopleLookup, PeopleSearch
from stepchange.people.deps import provide_identities
from stepchange.people.identity import IdentityService, can_be_validated
from stepchange.people.models import Identity

__all__ = ["InterestPages", "PeoplePages"]


class PeoplePages(Controller):
    """The office's people views: everyone who registered, each person's page, and late entries."""

    path = "/people"
    include_in_schema = False
    guards = [coordinator_only]
    dependencies = {
        "lookup": Provide(provide_lookup),
        "identities": Provide(provide_identities),
        "calls": Provide(provide_calls),
        "search": Provide(provide_people_search),
    }

    @get("/", name="people")
    async def index(
        self,
        request: Request[Any, Any, Any],
        lookup: NamedDependency[PeopleLookup],
        calls: NamedDependency[CallService],
        search: NamedDependency[PeopleSearch],
        window: NamedDependency[Window],
    ) -> Template:
        people, total = await lookup.people(search, limit=min(window.limit, 100), offset=window.offset)
        return Template(
            "people/index.html",
            context={
                "people": people,
                "total": total,
                "window": window,
                "query": request.query_params,
                "calls": await calls.all_calls(),
                "identities": list(Identity),
                "sectors": SECTORS,
                "export": "/api/volunteers/export.csv?" + urlencode(dict(request.query_params)),
            },
        )

    @get("/{volunteer_id:uuid}", name="person")
    async def person(
        self,
        lookup: NamedDependency[PeopleLookup],
        volunteer_id: FromPath[UUID],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._person(lookup, volunteer_id, done=done)

    async def _person(
        self,
        lookup: PeopleLookup,
        volunteer_id: UUID,
        *,
        errors: list[FieldError] | None = None,
        done: str | None = None,
        status_code: int = 200,
    ) -> Template:
        page = await lookup.person_page(volunteer_id)
        return Template(
            "people/person.html",
            context={
                "person": page,
                "errors": errors or [],
                "done": done,
                "can_validate": can_be_validated(page.identity),
            },
            status_code=status_code,
        )

    @post("/{volunteer_id:uuid}")
    async def act(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        lookup: NamedDependency[PeopleLookup],
        identities: NamedDependency[IdentityService],
        settings: NamedDependency[Settings],
        volunteer_id: FromPath[UUID],
    ) -> Template | Redirect:
        """One form per action on the person's page: validate or reject, add a note, merge another record."""
        action, actor = field(data, "action"), acting_staff(request)
        try:
            if action == "decide":
                decision = {"validated": Identity.VALIDATED, "rejected": Identity.REJECTED}.get(field(data, "decision"))
                if decision is None:
                    raise InvalidInput.one("decision", "Choose validate or reject")
                await identities.decide(actor, volunteer_id, decision, field(data, "evidence"), settings)
            elif action == "note":
                await identities.add_note(actor, volunteer_id, field(data, "text"))
            elif action == "merge":
                await identities.merge_address(actor, volunteer_id, field(data, "other_email"))
            else:
                raise InvalidInput.one("action", "Choose what to do")
        except FormRefusal as exc:
            await lookup.session.rollback()
            return await self._person(
                lookup, volunteer_id, errors=form_errors(exc, "decision"), status_code=refusal_status(exc)
            )
        return see_other(f"/people/{volunteer_id}?done={action}")
