"""The API of subgroups: their members, projects and meetings (their actions are in the action log)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.guards import current_principal
from stepchange.governance.controllers.common import out
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.partnership_models import Subgroup
from stepchange.governance.partnership_schemas import (
    SubgroupDetail,
    SubgroupIn,
    SubgroupMemberIn,
    SubgroupMemberOut,
    SubgroupOut,
)
from stepchange.governance.schemas import MeetingIn, MeetingOut


async def subgroup_detail(governance: GovernanceServices, code: str, subgroup: Subgroup) -> SubgroupDetail:
    members = await governance.subgroups.members(subgroup)
    meetings = await governance.subgroups.meetings(subgroup)
    return SubgroupDetail(
        id=subgroup.id,
        workstream=code.upper(),
        name=subgroup.name,
        purpose=subgroup.purpose,
        lead=subgroup.lead,
        projects=await governance.subgroups.projects_of(subgroup),
        members=[
            SubgroupMemberOut(
                id=m.row.id,
                kind="roster" if m.row.roster_member_id else "volunteer",
                roster_member_id=m.row.roster_member_id,
                volunteer_id=m.row.volunteer_id,
                name=m.name,
                organisation=m.organisation,
            )
            for m in members
        ],
        meetings=[out(MeetingOut, m, workstream=code.upper()) for m in meetings],
    )


class SubgroupController(Controller):
    """Subgroups within the work-stream."""

    @get("/subgroups", summary="The work-stream's subgroups")
    async def subgroups(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> list[SubgroupOut]:
        workstream, found = await governance.subgroups.subgroups(current_principal(request), code)
        return [
            SubgroupOut(s.id, workstream.code, s.name, s.purpose, s.lead, await governance.subgroups.projects_of(s))
            for s in found
        ]

    @post("/subgroups", guards=[office_or_co_chair], summary="Set up a subgroup (name, purpose, lead, projects)")
    async def create(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[SubgroupIn],
    ) -> SubgroupDetail:
        subgroup = await governance.subgroups.create(acting(request), code, data)
        _, subgroup = await governance.subgroups.subgroup(current_principal(request), code, subgroup.id)
        return await subgroup_detail(governance, code, subgroup)

    @get("/subgroups/{subgroup_id:uuid}", summary="A subgroup: its members, projects and meetings")
    async def subgroup(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
    ) -> SubgroupDetail:
        _, subgroup = await governance.subgroups.subgroup(current_principal(request), code, subgroup_id)
        return await subgroup_detail(governance, code, subgroup)

    @post(
        "/subgroups/{subgroup_id:uuid}/members",
        guards=[office_or_co_chair],
        summary="Add a member: someone on the roster, or a volunteer placed on one of the work-stream's projects",
    )
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        data: JSONBody[SubgroupMemberIn],
    ) -> SubgroupDetail:
        await governance.subgroups.add_member(acting(request), code, subgroup_id, data)
        _, subgroup = await governance.subgroups.subgroup(current_principal(request), code, subgroup_id)
        return await subgroup_detail(governance, code, subgroup)

    @post(
        "/subgroups/{subgroup_id:uuid}/members/{member_id:uuid}/remove",
        guards=[office_or_co_chair],
        status_code=HTTP_200_OK,
        summary="Take a member off the subgroup",
    )
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        member_id: FromPath[UUID],
    ) -> SubgroupDetail:
        await governance.subgroups.remove_member(acting(request), code, subgroup_id, member_id)
        _, subgroup = await governance.subgroups.subgroup(current_principal(request), code, subgroup_id)
        return await subgroup_detail(governance, code, subgroup)

    @post(
        "/subgroups/{subgroup_id:uuid}/meetings",
        guards=[office_or_co_chair],
        summary="Schedule a meeting of the subgroup (its minutes: PUT /meetings/{id}/minutes)",
    )
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        data: JSONBody[MeetingIn],
    ) -> MeetingOut:
        meeting = await governance.subgroups.schedule(acting(request), code, subgroup_id, data)
        return out(MeetingOut, meeting, workstream=code.upper())
