"""Minutes: read by the work-stream's members (each reading recorded), written by those who run it."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.core.forms import Form, field
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.models import Meeting, Minutes
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit


class MinutesPages(Controller):
    """A meeting's minutes: to read, or (for their writer) to edit."""

    @get("/meetings/{meeting_id:uuid}/minutes", name="minutes")
    async def minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        edit: FromQuery[bool] = False,
    ) -> Template:
        """Reading the minutes is recorded; their writer may also open them to edit (or write the first draft)."""
        principal = current_principal(request)
        if edit:
            minutes = await governance.minutes.draft(principal, code, meeting_id)
        else:
            minutes = await governance.minutes.read(principal, code, meeting_id)
        meeting = await governance.meetings.meeting(principal, code, meeting_id)
        return await self._minutes_page(request, governance, code, meeting, minutes, edit=edit)

    async def _minutes_page(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        meeting: Meeting,
        minutes: Minutes | None,
        *,
        edit: bool,
        shown: Shown = FRESH,
    ) -> Template:
        workstream = await governance.meetings.workstream(code)
        return page(
            request,
            "minutes",
            workstream,
            shown,
            meeting=meeting,
            minutes=minutes,
            reads=await governance.minutes.reads(minutes) if minutes else [],
            edit=edit,
            values=shown.values
            or {"text": minutes.text if minutes else "", "version": str(minutes.version if minutes else 0)},
        )

    @post("/meetings/{meeting_id:uuid}/minutes")
    async def write_minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        """A stale save is shown again with the writer's own text kept, beside what is saved now."""
        text, version = str(data.get("text", "")), field(data, "version")

        async def change() -> object:
            sent = int(version) if version.isdigit() else None
            return await governance.minutes.write(acting(request), code, meeting_id, text, sent)

        async def again(shown: Shown) -> Template:
            principal = current_principal(request)
            meeting = await governance.meetings.meeting(principal, code, meeting_id)
            saved = await governance.minutes.draft(principal, code, meeting_id)
            values = {"text": text, "version": str(saved.version if saved else 0)}
            shown = dataclasses.replace(shown.against("text"), values=values)
            return await self._minutes_page(request, governance, code, meeting, saved, edit=True, shown=shown)

        done = f"{governance_path(code)}/meetings/{meeting_id}/minutes?done=saved"
        return await submit(governance, change, done, again)
