"""The office's people pages: find anyone (one search box, filters in any combination, sortable columns,
pages that keep the filters), act on a selection (reminders, validation with evidence for each, export),
and each person's page with what identity checks need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core import clock
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.exports import csv_response, frame
from stepchange.core.forms import Form, FormRefusal, field, fields, form_errors, refusal_status
from stepchange.core.listing import Listing, read_page, read_sort
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService
from stepchange.interest.deps import provide_calls, provide_interest, provide_lookup, provide_people_search
from stepchange.interest.rules import SECTORS
from stepchange.interest.search import PEOPLE_COLUMNS, SORTS, PeopleLookup, PeopleSearch
from stepchange.interest.services import InterestService
from stepchange.people.deps import provide_identities
from stepchange.people.identity import IdentityService, can_be_validated
from stepchange.people.models import Identity, Volunteer

RULES_SHOWN_BY = {"merge": "other_email", "note": "text"}
"""The field a broken rule is shown against, by the form that was sent (else the decision's)."""

FILTERS = ("q", "call", "identity", "project", "role", "sector", "organisation")
DEFAULT_SORT = "-registered"
BULK = {"remind": "Send the confirmation reminder", "validate": "Validate", "export": "Download as CSV"}


def chosen_ids(data: dict[str, Any]) -> list[UUID]:
    """The people ticked on the list; none is a refusal naming the checkboxes."""
    ids = []
    for value in fields(data, "people"):
        try:
            ids.append(UUID(value))
        except ValueError:
            continue
    if not ids:
        raise InvalidInput.one("people", "Select at least one person")
    return ids


class PeoplePages(Controller):
    """The office's people views: everyone who registered, a selection, each person's page."""

    path = "/people"
    include_in_schema = False
    guards = [coordinator_only]
    dependencies = {
        "lookup": Provide(provide_lookup),
        "identities": Provide(provide_identities),
        "calls": Provide(provide_calls),
        "search": Provide(provide_people_search),
        "interest": Provide(provide_interest),
    }

    @get("/", name="people")
    async def index(
        self,
        request: Request[Any, Any, Any],
        lookup: NamedDependency[PeopleLookup],
        calls: NamedDependency[CallService],
        search: NamedDependency[PeopleSearch],
        sort: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
    ) -> Template:
        return await self._list(request, lookup, calls, search, sort, page)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        lookup: PeopleLookup,
        calls: CallService,
        search: PeopleSearch,
        sort: str | None,
        page: str | None,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        query = {name: request.query_params[name] for name in FILTERS if request.query_params.get(name)}
        listing = Listing("/people", query, read_sort(sort, frozenset(SORTS), DEFAULT_SORT), 0, read_page(page))
        people, total = await lookup.people(search, limit=listing.size, offset=listing.offset, sort=listing.sort)
        listing = Listing("/people", query, listing.sort, total, listing.page, default_sort=DEFAULT_SORT)
        return Template(
            "people/index.html",
            context={
                "people": people,
                "listing": listing,
                "query": query,
                "calls": await calls.all_calls(),
                "identities": list(Identity),
                "sectors": SECTORS,
                "bulk": BULK,
                "errors": errors or [],
            },
            status_code=status_code,
        )

    @post("/selected", status_code=HTTP_200_OK)
    async def selected(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        lookup: NamedDependency[PeopleLookup],
        calls: NamedDependency[CallService],
        search: NamedDependency[PeopleSearch],
        interest: NamedDependency[InterestService],
        settings: NamedDependency[Settings],
    ) -> Template | Response[bytes]:
        """One action on the ticked people: remind them to confirm, validate them (a page of evidence boxes
        next), or download them."""
        try:
            ids = chosen_ids(data)
            action = field(data, "action")
            if action not in BULK:
                raise InvalidInput.one("action", "Choose what to do with the selected people")
        except FormRefusal as exc:
            return await self._list(request, lookup, calls, search, None, None, form_errors(exc, "people"), 400)
        people = await lookup.chosen(ids)
        if action == "export":
            return csv_response(frame([await lookup.volunteer_row(p) for p in people], PEOPLE_COLUMNS), "people")
        if action == "validate":
            return self._validation_page(people, {}, [])
        sent = []
        for person in people:
            if person.identity is Identity.SUBMITTED and await interest.resend(person.email, settings):
                await interest.people.mark_reminded(person, clock.now())
                sent.append(person)
        return Template(
            "people/reminded.html", context={"sent": sent, "skipped": len(people) - len(sent)}, status_code=200
        )

    def _validation_page(
        self, people: Sequence[Volunteer], evidence: dict[str, str], errors: list[FieldError], status_code: int = 200
    ) -> Template:
        ready = [p for p in people if can_be_validated(p.identity)]
        not_ready = [p for p in people if not can_be_validated(p.identity)]
        return Template(
            "people/validate_selected.html",
            context={"ready": ready, "not_ready": not_ready, "evidence": evidence, "errors": errors},
            status_code=status_code,
        )

    @post("/selected/validate")
    async def validate_selected(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        lookup: NamedDependency[PeopleLookup],
        identities: NamedDependency[IdentityService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        """Validate each selected person on their own evidence; every problem shown at once, nothing saved
        until all are right."""
        people = await lookup.chosen(chosen_ids(data))
        evidence = {str(p.id): field(data, f"evidence-{p.id}") for p in people}
        errors: list[FieldError] = []
        actor = acting_staff(request)
        for person in people:
            try:
                await identities.decide(actor, person.id, Identity.VALIDATED, evidence[str(person.id)], settings)
            except FormRefusal as exc:
                errors += [FieldError(f"evidence-{person.id}", f"{person.name}: {e.message}") for e in form_errors(exc)]
        if errors:
            ids = [p.id for p in people]
            await lookup.session.rollback()
            people = await lookup.chosen(ids)
            return self._validation_page(people, evidence, errors, 400)
        return see_other(f"/people?identity=validated&done=validated-{len(people)}")

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
                "checks": await lookup.identity_checks(volunteer_id),
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
                lookup,
                volunteer_id,
                errors=form_errors(exc, RULES_SHOWN_BY.get(action, "decision")),
                status_code=refusal_status(exc),
            )
        return see_other(f"/people/{volunteer_id}?done={action}")
