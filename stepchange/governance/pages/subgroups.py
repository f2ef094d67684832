"""Subgroups: the list, setting one up, and each subgroup's page (members, meetings, actions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, date_as_typed, field, fields, form_date, form_time, form_uuid
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.models import ActionItem, Meeting
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit
from stepchange.governance.partnership_models import Subgroup
from stepchange.governance.partnership_schemas import SubgroupIn, SubgroupMemberIn
from stepchange.governance.schemas import ActionIn, MeetingIn


class SubgroupPages(Controller):
    """A work-stream's subgroups."""

    @get("/subgroups", name="subgroups")
    async def subgroups(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        workstream, found = await governance.subgroups.subgroups(current_principal(request), code)
        projects = {s.id: await governance.subgroups.projects_of(s) for s in found}
        return page(request, "subgroups", workstream, subgroups=found, projects=projects)

    @get("/subgroups/new", name="new_subgroup")
    async def new(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._new(request, governance, code)

    async def _new(
        self, request: Request[Any, Any, Any], governance: GovernanceServices, code: str, shown: Shown = FRESH
    ) -> Template:
        workstream = await governance.subgroups.for_runners(current_principal(request), code, "set up its subgroups")
        projects = await governance.subgroups.workstream_projects(workstream)
        return page(request, "subgroup_new", workstream, shown, projects=projects)

    @post("/subgroups")
    async def create(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("name", "purpose", "lead")}
        values["projects"] = fields(data, "projects")

        async def change() -> Subgroup:
            return await governance.subgroups.create(acting(request), code, SubgroupIn(**values))

        async def again(shown: Shown) -> Template:
            return await self._new(request, governance, code, shown)

        def done(subgroup: Subgroup) -> str:
            return f"{governance_path(code)}/subgroups/{subgroup.id}?done=created"

        return await submit(governance, change, done, again, values)

    @get("/subgroups/{subgroup_id:uuid}", name="subgroup")
    async def subgroup(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        q: FromQuery[str] = "",
    ) -> Template:
        return await self._subgroup(request, governance, code, subgroup_id, named=q)

    async def _subgroup(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        subgroup_id: UUID,
        shown: Shown = FRESH,
        named: str = "",
    ) -> Template:
        workstream, subgroup = await governance.subgroups.subgroup(current_principal(request), code, subgroup_id)
        actions = await governance.session.scalars(
            select(ActionItem).where(ActionItem.subgroup_id == subgroup.id).order_by(ActionItem.due_on).limit(200)
        )
        return page(
            request,
            "subgroup",
            workstream,
            shown,
            subgroup=subgroup,
            projects=await governance.subgroups.projects_of(subgroup),
            members=await governance.subgroups.members(subgroup),
            candidates=await governance.subgroups.candidates(workstream, subgroup, named[:200]),
            meetings=await governance.subgroups.meetings(subgroup),
            actions=actions.all(),
        )

    @post("/subgroups/{subgroup_id:uuid}/members")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        kind, _, raw = field(data, "member").partition(":")
        chosen = form_uuid(raw)

        async def change() -> object:
            member = SubgroupMemberIn(
                roster_member_id=chosen if kind == "roster" else None,
                volunteer_id=chosen if kind == "volunteer" else None,
            )
            return await governance.subgroups.add_member(acting(request), code, subgroup_id, member)

        async def again(shown: Shown) -> Template:
            return await self._subgroup(request, governance, code, subgroup_id, shown.against("member"))

        done = f"{governance_path(code)}/subgroups/{subgroup_id}?done=member"
        return await submit(governance, change, done, again)

    @post("/subgroups/{subgroup_id:uuid}/meetings")
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "location", "agenda", "starts_at-time")}
        values["starts_at"] = date_as_typed(data, "starts_at")

        async def change() -> Meeting:
            day, time = form_date(data, "starts_at", "The date"), form_time(data, "starts_at-time")
            if day and not time:
                raise InvalidInput.one("starts_at-time", "Enter the time the meeting starts")
            meeting = MeetingIn(
                title=values["title"],
                starts_at=dt.datetime.combine(day, time) if day and time else None,
                location=values["location"],
                extra_agenda=values["agenda"].splitlines(),
            )
            return await governance.subgroups.schedule(acting(request), code, subgroup_id, meeting)

        async def again(shown: Shown) -> Template:
            return await self._subgroup(request, governance, code, subgroup_id, shown)

        def done(meeting: Meeting) -> str:
            return f"{governance_path(code)}/meetings/{meeting.id}?done=scheduled"

        return await submit(governance, change, done, again, values)

    @post("/subgroups/{subgroup_id:uuid}/actions")
    async def add_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        subgroup_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("action-title", "action-owner")}
        values["action-due_on"] = date_as_typed(data, "action-due_on")

        async def change() -> object:
            action = ActionIn(
                title=values["action-title"],
                owner=values["action-owner"],
                due_on=form_date(data, "action-due_on", "The due date"),
                subgroup_id=subgroup_id,
            )
            return await governance.actions.add(acting(request), code, action)

        async def again(shown: Shown) -> Template:
            errors = [
                e if e.field.startswith("action-") else FieldError(f"action-{e.field}", e.message) for e in shown.errors
            ]
            return await self._subgroup(
                request, governance, code, subgroup_id, dataclasses.replace(shown, errors=errors)
            )

        done = f"{governance_path(code)}/subgroups/{subgroup_id}?done=action#actions"
        return await submit(governance, change, done, again, values)
