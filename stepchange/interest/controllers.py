"""The interest API: calls, the public submission and its confirmation, and the office's look-up."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core.pagination import Window
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.settings import Settings
from stepchange.interest.models import Call, Volunteer
from stepchange.interest.schemas import (
    CallChangeIn,
    CallIn,
    CallOut,
    ChoiceOut,
    Confirmed,
    ExpressionOut,
    ResendIn,
    SubmissionIn,
    SubmissionOut,
    VerifyIn,
    VolunteerOut,
)
from stepchange.interest.services import ANSWER, CallService, InterestService, is_open

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


class VolunteerController(Controller):
    path = "/api/volunteers"
    tags = ["Volunteers"]
    guards = [coordinator_only]
    dependencies = {"interest": Provide(provide_interest)}

    @get("/", summary="People who registered interest (exact e-mail match with ?email=)")
    async def list_volunteers(
        self,
        interest: NamedDependency[InterestService],
        window: NamedDependency[Window],
        email: Annotated[
            str | None, QueryParameter(max_length=320, description="Exact address, any letter case")
        ] = None,
    ) -> OffsetPagination[VolunteerOut]:
        people, total = await interest.people(email=email, limit=window.limit, offset=window.offset)
        return window.page([await volunteer_out(interest, p) for p in people], total)

    @get("/{volunteer_id:uuid}", summary="One person, with their identity level and interest per call")
    async def get_volunteer(
        self, interest: NamedDependency[InterestService], volunteer_id: FromPath[UUID]
    ) -> VolunteerOut:
        return await volunteer_out(interest, await interest.person(volunteer_id))


async def volunteer_out(interest: InterestService, person: Volunteer) -> VolunteerOut:
    expressions = await interest.expressions_of(person)
    codes = {p.id: p.code for p in (await interest.projects_by_code()).values()}
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
