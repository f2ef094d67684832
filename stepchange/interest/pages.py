"""The public expression-of-interest form: questions, check your answers, confirmation, and the emailed link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core.errors import FieldError, InvalidInput, RuleViolation
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService, CallWindow, last_moment
from stepchange.interest.deps import (
    RATE_LIMITED,
    filed_after_response,
    provide_calls,
    provide_interest,
    provide_lookup,
    provide_people_search,
    resent_after_response,
)
from stepchange.interest.forms import CHOICE_SLOTS, DECLARATION_SLOTS, FormSubmission, read_form
from stepchange.interest.intake import receive
from stepchange.interest.rules import CREDENTIALS, SECTORS, STATEMENT, STATEMENT_VERSION, CleanSubmission
from stepchange.interest.search import PeopleLookup, PeopleSearch
from stepchange.interest.services import InterestService
from stepchange.people.deps import provide_identities
from stepchange.people.identity import IdentityService, can_be_validated
from stepchange.people.models import Identity


class FormProblems(Exception):
    """What to show on the form again, and with which status."""

    def __init__(self, errors: list[FieldError], status: int) -> None:
        super().__init__("form has problems")
        self.errors, self.status = errors, status


class InterestPages(Controller):
    path = "/interest"
    include_in_schema = False
    dependencies = {"interest": Provide(provide_interest), "calls": Provide(provide_calls)}

    async def _form(
        self,
        calls: CallService,
        form: FormSubmission | None = None,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        call = await calls.open_call()
        latest = None if call else await calls.latest()
        return Template(
            "interest/form.html",
            context={
                "call": call,
                "closed_message": f"{latest.name} closed at {last_moment(latest)}." if latest else None,
                "values": form.values if form else {},
                "errors": errors or [],
                "sectors": SECTORS,
                "credentials": CREDENTIALS,
                "statement": STATEMENT,
                "statement_version": STATEMENT_VERSION,
                "choice_slots": range(CHOICE_SLOTS),
                "declaration_slots": range(DECLARATION_SLOTS),
            },
            status_code=status_code,
        )

    @get("/", name="interest_form")
    async def form(self, calls: NamedDependency[CallService]) -> Template:
        return await self._form(calls)

    @post("/change")
    async def change(self, data: Form, calls: NamedDependency[CallService]) -> Template:
        return await self._form(calls, read_form(data))

    @post("/check")
    async def check(
        self, data: Form, interest: NamedDependency[InterestService], calls: NamedDependency[CallService]
    ) -> Template:
        """Check every answer and show them back before anything is stored."""
        form = read_form(data)
        try:
            call, clean = await self._checked(form, interest)
        except FormProblems as problems:
            return await self._form(calls, form, problems.errors, problems.status)
        named = [project_id for project_id, _, _ in clean.choices]
        named += [project_id for *_, project_ids in clean.declarations for project_id in project_ids]
        projects = await interest.projects_named(named)
        return Template(
            "interest/check.html",
            context={"call": call, "clean": clean, "values": form.values, "projects": projects, "form": data},
        )

    @post("/", opt=RATE_LIMITED)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        interest: NamedDependency[InterestService],
        calls: NamedDependency[CallService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        """Checked and stored before the answer; filed and the e-mail sent after it (see ``interest.intake``)."""
        form = read_form(data)
        try:
            call, clean = await self._checked(form, interest)
        except FormProblems as problems:
            return await self._form(calls, form, problems.errors, problems.status)
        received = await receive(interest.session, call, clean, source="form")
        answer = see_other("/interest/sent")
        answer.background = filed_after_response(request, received, settings)
        return answer

    async def _checked(self, form: FormSubmission, interest: InterestService) -> tuple[CallWindow, CleanSubmission]:
        """The form's own errors and the service's, every one against its field; a closed call is a 409."""
        errors = list(form.errors)
        if form.submission is not None:
            try:
                call, clean = await interest.check(form.submission)
            except InvalidInput as exc:
                seen = {e.field for e in errors}
                errors += [e for e in form.place(exc.errors) if e.field not in seen]
            except RuleViolation as exc:
                raise FormProblems(form_errors(exc), refusal_status(exc)) from None
            else:
                if not errors:
                    return call, clean
        raise FormProblems(errors, HTTP_400_BAD_REQUEST)

    @get("/sent", name="interest_sent")
    async def sent(self) -> Template:
        return Template("interest/sent.html")

    @get("/resend", name="interest_resend")
    async def resend_form(self, sent: FromQuery[bool] = False) -> Template:
        return Template("interest/resend.html", context={"errors": [], "sent": sent})

    @post("/resend", opt=RATE_LIMITED)
    async def resend(
        self, request: Request[Any, Any, Any], data: Form, settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        """The same answer, in the same time, for any address: the look-up and the e-mail come after it."""
        if not field(data, "email"):
            errors = [FieldError("email", "Enter the email address you registered with")]
            return Template("interest/resend.html", context={"errors": errors, "sent": False}, status_code=400)
        answer = see_other("/interest/resend?sent=true")
        answer.background = resent_after_response(request, field(data, "email"), settings)
        return answer

    @get("/verify/{token:str}", name="interest_verify")
    async def verify_page(self, interest: NamedDependency[InterestService], token: FromPath[str]) -> Template:
        """Opening the emailed link shows a button; only pressing it (a POST) confirms."""
        await interest.check_confirmation(token[:200])
        return Template("interest/verify.html", context={"token": token})

    @post("/verify/{token:str}")
    async def verify(self, interest: NamedDependency[InterestService], token: FromPath[str]) -> Template:
        expression, call = await interest.confirm(token[:200])
        return Template("interest/confirmed.html", context={"call": call, "expression": expression})


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
                lookup, volunteer_id, errors=form_errors(exc, "decision"), status_code=refusal_status(exc)
            )
        return see_other(f"/people/{volunteer_id}?done={action}")
