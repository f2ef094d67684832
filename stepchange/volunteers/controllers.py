"""The self-service API (`/api/me`, for a volunteer signed in by link) and the office's erasure queue."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core.exports import json_download
from stepchange.core.pagination import Window
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.sessions import end_session, start_session
from stepchange.core.settings import Settings
from stepchange.interest.schemas import DeclarationIn
from stepchange.volunteers.deps import (
    VOLUNTEER_SESSION,
    link_after_response,
    me,
    my_record,
    provide_self_service,
    volunteer_only,
)
from stepchange.volunteers.schemas import (
    ChoicesIn,
    ErasureRefusalIn,
    ErasureRequestOut,
    LinkRequestIn,
    MyRecordOut,
    TokenIn,
    WithdrawIn,
)
from stepchange.volunteers.services import MY_DATA_FILE, SelfService

LINK_ANSWER = {"message": "If that address is registered, a sign-in link is on its way. It works once, for 30 minutes."}


class SelfServiceController(Controller):
    path = "/api/me"
    tags = ["Volunteer self-service"]
    dependencies = {"service": Provide(provide_self_service)}

    @post("/sign-in", status_code=HTTP_202_ACCEPTED, opt={PUBLIC_RATE_LIMIT: True}, summary="E-mail me a sign-in link")
    async def request_link(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], data: JSONBody[LinkRequestIn]
    ) -> Response[dict[str, str]]:
        """The same answer, in the same time, for any address: the look-up and the e-mail come after it."""
        return Response(
            LINK_ANSWER, status_code=HTTP_202_ACCEPTED, background=link_after_response(request, data.email, settings)
        )

    @post("/sign-in/complete", status_code=HTTP_200_OK, summary="Sign in with the link's token")
    async def sign_in(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService], data: JSONBody[TokenIn]
    ) -> MyRecordOut:
        person = await service.sign_in(data.token)
        start_session(request, VOLUNTEER_SESSION, person.id, 0)
        return await my_record(service, person)

    @post("/sign-out", status_code=HTTP_200_OK, summary="Sign out")
    async def sign_out(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        end_session(request)
        return {"message": "Signed out"}

    @get("/", guards=[volunteer_only], summary="My record: interest, declarations, places, identity")
    async def record(self, request: Request[Any, Any, Any], service: NamedDependency[SelfService]) -> MyRecordOut:
        return await my_record(service, await service.me(me(request)))

    @patch("/expressions/{call_id:uuid}", guards=[volunteer_only], summary="Change my choices and hours (call open)")
    async def change_choices(
        self,
        request: Request[Any, Any, Any],
        service: NamedDependency[SelfService],
        call_id: FromPath[UUID],
        data: JSONBody[ChoicesIn],
    ) -> MyRecordOut:
        person = await service.me(me(request))
        await service.change_choices(person, call_id, list(data.choices), data.hours_per_month)
        return await my_record(service, person)

    @post(
        "/expressions/{call_id:uuid}/withdraw",
        guards=[volunteer_only],
        status_code=HTTP_200_OK,
        summary="Withdraw from one project",
    )
    async def withdraw_project(
        self,
        request: Request[Any, Any, Any],
        service: NamedDependency[SelfService],
        call_id: FromPath[UUID],
        data: JSONBody[WithdrawIn],
    ) -> MyRecordOut:
        person = await service.me(me(request))
        await service.withdraw_from_project(person, call_id, data.project)
        return await my_record(service, person)

    @post("/withdraw", guards=[volunteer_only], status_code=HTTP_200_OK, summary="Withdraw from the programme")
    async def withdraw(self, request: Request[Any, Any, Any], service: NamedDependency[SelfService]) -> MyRecordOut:
        person = await service.me(me(request))
        await service.withdraw_from_programme(person)
        return await my_record(service, person)

    @post("/declarations", guards=[volunteer_only], status_code=HTTP_201_CREATED, summary="Declare an interest")
    async def add_declaration(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService], data: JSONBody[DeclarationIn]
    ) -> MyRecordOut:
        person = await service.me(me(request))
        await service.add_declaration(person, data)
        return await my_record(service, person)

    @patch("/declarations/{declaration_id:uuid}", guards=[volunteer_only], summary="Change a declaration")
    async def change_declaration(
        self,
        request: Request[Any, Any, Any],
        service: NamedDependency[SelfService],
        declaration_id: FromPath[UUID],
        data: JSONBody[DeclarationIn],
    ) -> MyRecordOut:
        person = await service.me(me(request))
        await service.change_declaration(person, declaration_id, data)
        return await my_record(service, person)

    @post(
        "/declarations/{declaration_id:uuid}/withdraw",
        guards=[volunteer_only],
        status_code=HTTP_200_OK,
        summary="Withdraw a declaration",
    )
    async def withdraw_declaration(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService], declaration_id: FromPath[UUID]
    ) -> MyRecordOut:
        person = await service.me(me(request))
        await service.withdraw_declaration(person, declaration_id)
        return await my_record(service, person)

    @get("/data", guards=[volunteer_only], summary="Download everything held about me (JSON)")
    async def my_data(self, request: Request[Any, Any, Any], service: NamedDependency[SelfService]) -> Response[Any]:
        data = await service.export(await service.me(me(request)))
        return json_download(data, MY_DATA_FILE)

    @post("/erasure", guards=[volunteer_only], status_code=HTTP_202_ACCEPTED, summary="Ask for my data to be erased")
    async def request_erasure(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService]
    ) -> dict[str, str]:
        await service.request_erasure(await service.me(me(request)))
        return {"message": "The programme office will erase your data and email you when it is done"}


class ErasureController(Controller):
    path = "/api/erasure-requests"
    tags = ["Volunteers"]
    guards = [coordinator_only]
    dependencies = {"service": Provide(provide_self_service)}

    @get("/", summary="Erasure requests waiting for the office")
    async def waiting(
        self, service: NamedDependency[SelfService], window: NamedDependency[Window]
    ) -> OffsetPagination[ErasureRequestOut]:
        rows, total = await service.pending_erasures(window.limit, window.offset)
        return window.page(
            [
                ErasureRequestOut(
                    volunteer_id=r.volunteer_id, requested_at=r.created_at, carried_out_at=r.carried_out_at
                )
                for r in rows
            ],
            total,
        )

    @post("/{volunteer_id:uuid}/erase", status_code=HTTP_200_OK, summary="Erase a person's personal data now")
    async def erase(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService], volunteer_id: FromPath[UUID]
    ) -> dict[str, str]:
        await service.erase(acting_staff(request), volunteer_id)
        return {"message": "Erased"}

    @post("/{volunteer_id:uuid}/refuse", status_code=HTTP_200_OK, summary="Refuse an erasure request, saying why")
    async def refuse(
        self,
        request: Request[Any, Any, Any],
        service: NamedDependency[SelfService],
        volunteer_id: FromPath[UUID],
        data: JSONBody[ErasureRefusalIn],
    ) -> dict[str, str]:
        await service.refuse_erasure(acting_staff(request), volunteer_id, data.reason)
        return {"message": "Refused; the person has been told why"}
