"""The roster: a work-stream's members, each with their organisation and deputy, and those who have left."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stepchange.core.errors import InvalidInput
from stepchange.core.forms import Form, field, form_uuid
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit
from stepchange.governance.schemas import MemberChangeIn, MemberIn

MEMBER_DETAILS = ("name", "organisation", "email", "deputy_name", "deputy_organisation")
"""The fields of a member's form (a new member may also be chosen from the staff list)."""


class RosterPages(Controller):
    """The roster page and one page per member, with the forms that add, change and record leavers."""

    @get("/roster", name="roster")
    async def roster(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._roster(request, governance, code)

    async def _roster(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        shown: Shown = FRESH,
    ) -> Template:
        workstream, members = await governance.roster.members(current_principal(request), code)
        _, former = await governance.roster.members(current_principal(request), code, former=True)
        return page(
            request,
            "roster",
            workstream,
            shown,
            members=members,
            former=former,
            candidates=await governance.appointments.staff(),
        )

    @post("/roster")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in (*MEMBER_DETAILS, "staff_user_id")}

        async def change() -> object:
            staff_user_id = form_uuid(values["staff_user_id"])
            if values["staff_user_id"] and staff_user_id is None:
                raise InvalidInput.one("staff_user_id", "Choose a member of staff from the list")
            member = MemberIn(**{k: values[k] for k in MEMBER_DETAILS}, staff_user_id=staff_user_id)
            return await governance.roster.add(acting(request), code, member)

        async def again(shown: Shown) -> Template:
            return await self._roster(request, governance, code, shown)

        return await submit(governance, change, f"{governance_path(code)}/roster?done=added", again, values)

    @get("/roster/{member_id:uuid}", name="roster_member")
    async def member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
    ) -> Template:
        return await self._member(request, governance, code, member_id)

    async def _member(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        member_id: UUID,
        shown: Shown = FRESH,
    ) -> Template:
        member = await governance.roster.member(current_principal(request), code, member_id)
        workstream = await governance.roster.workstream(code)
        return page(request, "member", workstream, shown, member=member)

    @post("/roster/{member_id:uuid}")
    async def change_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        member_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        leaving = field(data, "action") == "leave"
        values = {k: field(data, k) for k in MEMBER_DETAILS}

        async def change() -> object:
            if leaving:
                return await governance.roster.leave(acting(request), code, member_id)
            return await governance.roster.change(acting(request), code, member_id, MemberChangeIn(**values))

        async def again(shown: Shown) -> Template:
            return await self._member(request, governance, code, member_id, shown)

        done = f"{governance_path(code)}/roster/{member_id}?done={'left' if leaving else 'changed'}"
        return await submit(governance, change, done, again, values)
