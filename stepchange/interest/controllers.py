"""The interest API: calls, the public submission and its confirmation, and the office's look-up."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from stepchange.accounts.guards import acting_staff, coordinator_only, office_or_co_chair
from stepchange.core.exports import csv_response, frame
from stepchange.core.pagination import Window
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.settings import Settings
from stepchange.interest.models import Call, ChoiceRole
from stepchange.interest.schemas import (
    CallChangeIn,
    CallIn,
    CallOut,
    ChoiceOut,
    Confirmed,
    DeclarationStateOut,
    ExpressionOut,
    IdentityStepOut,
    LateEntryIn,
    MergeIn,
    NoteIn,
    NoteOut,
    PersonOut,
    ResendIn,
    SubmissionIn,
    SubmissionOut,
    ValidationIn,
    VerifyIn,
    VolunteerOut,
    VouchIn,
)
from stepchange.interest.services import ANSWER, CallService, InterestService, PeopleSearch, is_open, project_codes
from stepchange.people.identity import IdentityService
from stepchange.people.models import Identity, Volunteer

provide_calls = create_service_provider(CallService)
provide_interest = create_service_provider(InterestService)
RATE_LIMITED = {PUBLIC_RATE_LIMIT: True}


def call_out(call: Call) -> CallOut:
    return CallOut(
        id=call.id,
        name=call.name,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        closed_early_at=call.closed_early_at,
        is_open=is_open(call, dt.datetime.now(dt.UTC)),
        projects=[p.code for p in sorted(call.projects, key=lambda p: p.programme_order)],
    )


class CallController(Controller):
    path = "/api/calls"
    tags = ["Calls"]
    dependencies = {"calls": Provide(provide_calls)}

    @get("/", summary="Calls to action, newest first")
    async def list_calls(
        self, calls: NamedDependency[CallService], window: NamedDependency[Window]
    ) -> OffsetPagination[CallOut]:
        return window.slice([call_out(c) for c in await calls.all_calls()])

    @post("/", guards=[coordinator_only], status_code=HTTP_201_CREATED, summary="Open a call (times in UK time)")
    async def create_call(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], data: JSONBody[CallIn]
    ) -> CallOut:
        call = await calls.create_call(
            acting_staff(request),
            name=data.name,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            projects=data.projects,
        )
        return call_out(call)

    @post("/{call_id:uuid}/extend", guards=[coordinator_only], status_code=HTTP_200_OK, summary="Extend a call")
    async def extend_call(
        self,
        request: Request[Any, Any, Any],
        calls: NamedDependency[CallService],
        call_id: FromPath[UUID],
        data: JSONBody[CallChangeIn],
    ) -> CallOut:
        return call_out(await calls.extend(acting_staff(request), call_id, data.closes_at))

    @post("/{call_id:uuid}/close", guards=[coordinator_only], status_code=HTTP_200_OK, summary="Close a call now")
    async def close_call(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], call_id: FromPath[UUID]
    ) -> CallOut:
        return call_out(await calls.close_now(acting_staff(request), call_id))


class InterestController(Controller):
    path = "/api/interest"
    tags = ["Expressions of interest"]
    dependencies = {"interest": Provide(provide_interest)}

    @post("/", status_code=HTTP_201_CREATED, opt=RATE_LIMITED, summary="Register interest (public)")
    async def submit(
        self,
        interest: NamedDependency[InterestService],
        settings: NamedDependency[Settings],
        data: JSONBody[SubmissionIn],
    ) -> SubmissionOut:
        submission_id, status = await interest.submit(data, settings, source="api")
        return SubmissionOut(id=submission_id, status=status, message=ANSWER)

    @post("/verify", status_code=HTTP_200_OK, summary="Confirm a submission with the emailed link's token")
    async def verify(self, interest: NamedDependency[InterestService], data: JSONBody[VerifyIn]) -> Confirmed:
        expression, call = await interest.confirm(data.token)
        return Confirmed(status=expression.status, call=call.name, message="Thank you: your interest is confirmed")

    @post("/resend", status_code=HTTP_202_ACCEPTED, opt=RATE_LIMITED, summary="Send the confirmation link again")
    async def resend(
        self, interest: NamedDependency[InterestService], settings: NamedDependency[Settings], data: JSONBody[ResendIn]
    ) -> dict[str, str]:
        await interest.resend(data.email, settings)
        return {"message": "If that address has a submission waiting, a new link is on its way"}


async def provide_people_search(
    email: Annotated[str | None, QueryParameter(max_length=320, description="Exact address, any letter case")] = None,
    call: Annotated[UUID | None, QueryParameter(description="Answered this call")] = None,
    identity: Annotated[Identity | None, QueryParameter(description="At this identity level")] = None,
    project: Annotated[str | None, QueryParameter(max_length=8, description="Chose this project")] = None,
    role: Annotated[ChoiceRole | None, QueryParameter(description="Sought this role")] = None,
    sector: Annotated[str | None, QueryParameter(max_length=200)] = None,
    organisation: Annotated[str | None, QueryParameter(max_length=200, description="Organisation contains")] = None,
    q: Annotated[
        str | None, QueryParameter(max_length=200, description="Words in name, address, organisation, job")
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


class VolunteerController(Controller):
    path = "/api/volunteers"
    tags = ["Volunteers"]
    guards = [coordinator_only]
    dependencies = {"interest": Provide(provide_interest), "search": Provide(provide_people_search)}

    @get("/", summary="People who registered interest, with the office's filters")
    async def list_volunteers(
        self,
        interest: NamedDependency[InterestService],
        window: NamedDependency[Window],
        search: NamedDependency[PeopleSearch],
    ) -> OffsetPagination[VolunteerOut]:
        people, total = await interest.people(search, limit=window.limit, offset=window.offset)
        return window.page([await volunteer_out(interest, p) for p in people], total)

    @get("/export.csv", summary="The filtered list as CSV", media_type="text/csv")
    async def export_volunteers(
        self, interest: NamedDependency[InterestService], search: NamedDependency[PeopleSearch]
    ) -> Response[bytes]:
        people, _ = await interest.people(search, limit=1_000_000, offset=0)
        rows = [await volunteer_row(interest, p) for p in people]
        return csv_response(frame(rows, PEOPLE_COLUMNS), "volunteers")

    @get("/{volunteer_id:uuid}", summary="One person: interest per call, identity history, notes, declaration states")
    async def get_volunteer(
        self, interest: NamedDependency[InterestService], volunteer_id: FromPath[UUID]
    ) -> PersonOut:
        return await person_out(interest, await interest.person(volunteer_id))

    @post("/{volunteer_id:uuid}/validation", status_code=HTTP_200_OK, summary="Validate or reject, with the evidence")
    async def validate(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        settings: NamedDependency[Settings],
        volunteer_id: FromPath[UUID],
        data: JSONBody[ValidationIn],
    ) -> PersonOut:
        identity = IdentityService(interest.session)
        person = await identity.decide(acting_staff(request), volunteer_id, data.decision, data.evidence, settings)
        return await person_out(interest, person)

    @post("/{volunteer_id:uuid}/notes", status_code=HTTP_201_CREATED, summary="Add an office note")
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        volunteer_id: FromPath[UUID],
        data: JSONBody[NoteIn],
    ) -> NoteOut:
        note = await IdentityService(interest.session).add_note(acting_staff(request), volunteer_id, data.text)
        return NoteOut(author=note.author, text=note.text, created_at=note.created_at)

    @post("/{volunteer_id:uuid}/merge", status_code=HTTP_200_OK, summary="Merge another record of this person into it")
    async def merge(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        volunteer_id: FromPath[UUID],
        data: JSONBody[MergeIn],
    ) -> PersonOut:
        person = await IdentityService(interest.session).merge(acting_staff(request), volunteer_id, data.other_id)
        return await person_out(interest, person)

    @post("/late-entry", status_code=HTTP_201_CREATED, summary="Record a submission after the closing time")
    async def late_entry(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        settings: NamedDependency[Settings],
        data: JSONBody[LateEntryIn],
    ) -> PersonOut:
        expression = await interest.late_entry(acting_staff(request), data, data.late_reason, settings)
        return await person_out(interest, await interest.person(expression.volunteer_id))


class VouchController(Controller):
    """Co-chairs vouch for people interested in their work-stream's projects; the office for anyone."""

    path = "/api/volunteers/{volunteer_id:uuid}/vouch"
    tags = ["Volunteers"]
    guards = [office_or_co_chair]
    dependencies = {"interest": Provide(provide_interest)}

    @post("/", status_code=HTTP_200_OK, summary="Vouch that this person works where they say")
    async def vouch(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        volunteer_id: FromPath[UUID],
        data: JSONBody[VouchIn],
    ) -> dict[str, str]:
        person = await IdentityService(interest.session).vouch(acting_staff(request), volunteer_id, data.note)
        return {"id": str(person.id), "identity": person.identity.value}


PEOPLE_COLUMNS = (
    "name",
    "email",
    "organisation",
    "job_title",
    "sector",
    "identity",
    "hours_per_month",
    "calls",
    "choices",
    "registered",
)


async def volunteer_row(interest: InterestService, person: Volunteer) -> dict[str, Any]:
    """One person as a row of the office's export (no phone, no declarations)."""
    out = await volunteer_out(interest, person)
    return {
        "name": out.name,
        "email": out.email,
        "organisation": out.organisation,
        "job_title": out.job_title,
        "sector": out.sector,
        "identity": out.identity.value,
        "hours_per_month": out.hours_per_month,
        "calls": "; ".join(e.call for e in out.expressions),
        "choices": "; ".join(f"{c.project} ({c.role.value})" for e in out.expressions for c in e.choices),
        "registered": out.created_at.date().isoformat(),
    }


async def person_out(interest: InterestService, person: Volunteer) -> PersonOut:
    identity = IdentityService(interest.session)
    base = await volunteer_out(interest, person)
    return PersonOut(
        **{f: getattr(base, f) for f in base.__struct_fields__},
        identity_history=[
            IdentityStepOut(step=s.step, by=s.by, how=s.how, at=s.created_at) for s in await identity.history(person.id)
        ],
        notes=[NoteOut(author=n.author, text=n.text, created_at=n.created_at) for n in await identity.notes(person.id)],
        declarations=[
            DeclarationStateOut(
                id=d.id, kind=d.kind, projects=[p.code for p in d.projects], state=d.state, declared_at=d.created_at
            )
            for d in await interest.declarations_of(person)
        ],
    )


async def volunteer_out(interest: InterestService, person: Volunteer) -> VolunteerOut:
    expressions = await interest.expressions_of(person)
    codes = dict(await project_codes(interest.session))
    return VolunteerOut(
        id=person.id,
        name=person.name,
        email=person.email,
        organisation=person.organisation,
        job_title=person.job_title,
        sector=person.sector,
        identity=person.identity,
        hours_per_month=person.hours_per_month,
        created_at=person.created_at,
        expressions=[
            ExpressionOut(
                id=e.id,
                call=c.name,
                status=e.status,
                submitted_at=e.submitted_at,
                late=e.late,
                hours_per_month=e.hours_per_month,
                choices=[ChoiceOut(project=codes[ch.project_id], rank=ch.rank, role=ch.role) for ch in e.choices],
            )
            for e, c in expressions
        ],
    )
