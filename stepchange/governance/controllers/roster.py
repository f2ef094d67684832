"""The API of a work-stream's roster: its members, each with their organisation and deputy."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from stepchange.core.guards import current_principal
from stepchange.core.pagination import Window
from stepchange.governance.controllers.common import out
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.schemas import MemberChangeIn, MemberIn, MemberOut


class RosterController(Controller):
    """Members of staff and volunteers on the roster, and those who have left."""

    @get("/roster", summary="The members, each with their organisation and deputy")
    async def roster(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
        code: FromPath[str],
        former: Annotated[bool, QueryParameter(description="Those who have left instead")] = False,
    ) -> OffsetPagination[MemberOut]:
        _, found = await governance.roster.members(current_principal(request), code, former=former)
        return window.slice([out(MemberOut, m) for m in found])

    @post("/roster", summary="Add a member (a member of staff, or a volunteer)")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[MemberIn],
    ) -> MemberOut:
        return out(MemberOut, await governance.roster.add(acting(request), code, data))

    @get("/roster/{member_id:uuid}", summary="One member")
    async def member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
    ) -> MemberOut:
        return out(MemberOut, await governance.roster.member(current_principal(request), code, member_id))

    @patch("/roster/{member_id:uuid}", summary="Change a member's details or deputy")
    async def change_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
        data: JSONBody[MemberChangeIn],
    ) -> MemberOut:
        return out(MemberOut, await governance.roster.change(acting(request), code, member_id, data))

    @post("/roster/{member_id:uuid}/leave", status_code=HTTP_200_OK, summary="Record that a member left")
    async def leave(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
    ) -> MemberOut:
        return out(MemberOut, await governance.roster.leave(acting(request), code, member_id))
