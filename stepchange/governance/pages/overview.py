"""A work-stream's governance at a glance: its co-chairs, members, meetings and open actions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices
from stepchange.governance.pages.common import ALL, page
from stepchange.governance.services.actions import ActionFilter


class OverviewPages(Controller):
    """The overview every member starts from."""

    @get("/", name="governance")
    async def overview(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        principal = current_principal(request)
        workstream, appointments = await governance.appointments.history(principal, code)
        _, members = await governance.roster.members(principal, code)
        _, upcoming = await governance.meetings.meetings(principal, code, upcoming=True)
        _, past = await governance.meetings.meetings(principal, code, upcoming=False)
        _, actions, _ = await governance.actions.actions(principal, code, ActionFilter(open=True), ALL)
        terms = await governance.terms.current(workstream)
        own = await governance.terms.own_member_id(principal, workstream)
        acknowledged = {
            line.member.id
            for line in await governance.terms.acknowledgements(workstream, terms)
            if line.acknowledgement
        }
        return page(
            request,
            "governance",
            workstream,
            current={a.seat: a for a in appointments if a.ended_on is None},
            members=members,
            upcoming=upcoming,
            past=list(reversed(past)),
            actions=actions,
            terms=terms,
            own_unacknowledged=own is not None and own not in acknowledged,
            off_cadence={o.meeting.id for o in await governance.terms.off_cadence(workstream, terms)},
        )
