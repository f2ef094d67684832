"""The interest API: calls, the public submission and its confirmation, and the office's look-up."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from stepchange.accounts.guards import acting_staff, coordinator_only, office_or_co_chair
from stepchange.core import clock
from stepchange.core.database import app_database_config
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings
from stepchange.interest.calls import CallService, is_open
from stepchange.interest.deps import (
    RATE_LIMITED,
    filed_after_response,
    provide_calls,
    provide_interest,
    provide_lookup,
    provide_people_search,
    resent_after_response,
)
from stepchange.interest.export import people_export
from stepchange.interest.intake import receive
from stepchange.interest.models import Call, ExpressionStatus
from stepchange.interest.schemas import (
    CallChangeIn,
    CallEditIn,
    CallIn,
    CallOut,
    Confirmed,
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
from stepchange.interest.search import PeopleLookup, PeopleSearch
from stepchange.interest.services import ANSWER, RESEND_ANSWER, InterestService
from stepchange.people.deps import provide_identities
from stepchange.people.identity import IdentityService


def call_out(call: Call) -> CallOut:
    return CallOut(
        id=call.id,
        name=call.name,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        closed_early_at=call.closed_early_at,
        is_open=is_open(call, clock.now()),
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

    @patch("/{call_id:uuid}", guards=[coordinator_only], summary="Change a call's window and projects (UK times)")
    async def change_call(
        self,
        request: Request[Any, Any, Any],
        calls: NamedDependency[CallService],
        call_id: FromPath[UUID],
        data: JSONBody[CallEditIn],
    ) -> CallOut:
        changed = await calls.change_call(
            acting_staff(request), call_id, opens_at=data.opens_at, closes_at=data.closes_at, projects=data.projects
        )
        return call_out(changed)

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
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        settings: NamedDependency[Settings],
        data: JSONBody[SubmissionIn],
    ) -> Response[SubmissionOut]:
        """Checked and stored before the answer; filed (a new record, or held for a known address) and the
        e-mail sent after it, so the answer takes as long whether or not the address is known."""
        call, clean = await interest.check(data)
        received = await receive(interest.session, call, clean, source="api")
        answer = SubmissionOut(id=received.id, status=ExpressionStatus.AWAITING_CONFIRMATION, message=ANSWER)
        return Response(
            answer, status_code=HTTP_201_CREATED, background=filed_after_response(request, received, settings)
        )

    @post("/verify", status_code=HTTP_200_OK, summary="Confirm a submission with the emailed link's token")
    async def verify(self, interest: NamedDependency[InterestService], data: JSONBody[VerifyIn]) -> Confirmed:
        expression, call = await interest.confirm(data.token)
        return Confirmed(status=expression.status, call=call.name, message="Thank you: your interest is confirmed")

    @post("/resend", status_code=HTTP_202_ACCEPTED, opt=RATE_LIMITED, summary="Send the confirmation link again")
    async def resend(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], data: JSONBody[ResendIn]
    ) -> Response[dict[str, str]]:
        """The same answer, in the same time, for any address: the look-up and the e-mail come after it."""
        return Response(
            {"message": RESEND_ANSWER},
            status_code=HTTP_202_ACCEPTED,
            background=resent_after_response(request, data.email, settings),
        )


class VolunteerController(Controller):
    path = "/api/volunteers"
    tags = ["Volunteers"]
    guards = [coordinator_only]
    dependencies = {
        "interest": Provide(provide_interest),
        "lookup": Provide(provide_lookup),
        "identities": Provide(provide_identities),
        "search": Provide(provide_people_search),
    }

    @get("/", summary="People who registered interest, with the office's filters")
    async def list_volunteers(
        self,
        lookup: NamedDependency[PeopleLookup],
        window: NamedDependency[Window],
        search: NamedDependency[PeopleSearch],
    ) -> OffsetPagination[VolunteerOut]:
        people, total = await lookup.people_out(search, limit=window.limit, offset=window.offset)
        return window.page(people, total)

    @get("/export.csv", summary="The filtered list as CSV", media_type="text/csv")
    async def export_volunteers(self, request: Request[Any, Any, Any], search: NamedDependency[PeopleSearch]) -> Stream:
        return people_export(app_database_config(request.app), search, "volunteers")

    @get("/{volunteer_id:uuid}", summary="One person: interest per call, identity history, notes, declaration states")
    async def get_volunteer(self, lookup: NamedDependency[PeopleLookup], volunteer_id: FromPath[UUID]) -> PersonOut:
        return await lookup.person_page(volunteer_id)

    @post("/{volunteer_id:uuid}/validation", status_code=HTTP_200_OK, summary="Validate or reject, with the evidence")
    async def validate(
        self,
        request: Request[Any, Any, Any],
        identities: NamedDependency[IdentityService],
        lookup: NamedDependency[PeopleLookup],
        settings: NamedDependency[Settings],
        volunteer_id: FromPath[UUID],
        data: JSONBody[ValidationIn],
    ) -> PersonOut:
        person = await identities.decide(acting_staff(request), volunteer_id, data.decision, data.evidence, settings)
        return await lookup.person_out(person)

    @post("/{volunteer_id:uuid}/notes", status_code=HTTP_201_CREATED, summary="Add an office note")
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        identities: NamedDependency[IdentityService],
        lookup: NamedDependency[PeopleLookup],
        volunteer_id: FromPath[UUID],
        data: JSONBody[NoteIn],
    ) -> NoteOut:
        note = await identities.add_note(acting_staff(request), volunteer_id, data.text)
        return lookup.to_schema(note, schema_type=NoteOut)

    @post("/{volunteer_id:uuid}/merge", status_code=HTTP_200_OK, summary="Merge another record of this person into it")
    async def merge(
        self,
        request: Request[Any, Any, Any],
        identities: NamedDependency[IdentityService],
        lookup: NamedDependency[PeopleLookup],
        volunteer_id: FromPath[UUID],
        data: JSONBody[MergeIn],
    ) -> PersonOut:
        person = await identities.merge(acting_staff(request), volunteer_id, data.other_id)
        return await lookup.person_out(person)

    @post("/late-entry", status_code=HTTP_201_CREATED, summary="Record a submission after the closing time")
    async def late_entry(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        lookup: NamedDependency[PeopleLookup],
        settings: NamedDependency[Settings],
        data: JSONBody[LateEntryIn],
    ) -> PersonOut:
        expression = await interest.late_entry(acting_staff(request), data, data.late_reason, settings)
        return await lookup.person_page(expression.volunteer_id)


class VouchController(Controller):
    """Co-chairs vouch for people interested in their work-stream's projects; the office for anyone."""

    path = "/api/volunteers/{volunteer_id:uuid}/vouch"
    tags = ["Volunteers"]
    guards = [office_or_co_chair]
    dependencies = {"identities": Provide(provide_identities)}

    @post("/", status_code=HTTP_200_OK, summary="Vouch that this person works where they say")
    async def vouch(
        self,
        request: Request[Any, Any, Any],
        identities: NamedDependency[IdentityService],
        volunteer_id: FromPath[UUID],
        data: JSONBody[VouchIn],
    ) -> dict[str, str]:
        person = await identities.vouch(acting_staff(request), volunteer_id, data.note)
        return {"id": str(person.id), "identity": person.identity.value}
