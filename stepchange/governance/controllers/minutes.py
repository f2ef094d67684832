"""The API of minutes: read by the work-stream's members (each reading recorded), written by those who run it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.guards import current_principal
from stepchange.governance.controllers.common import out
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.schemas import MinutesIn, MinutesOut


class MinutesController(Controller):
    """A meeting's minutes, with who has read them."""

    @get("/meetings/{meeting_id:uuid}/minutes", summary="Read the minutes (members only; each reading is recorded)")
    async def minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
    ) -> MinutesOut:
        minutes = await governance.minutes.read(current_principal(request), code, meeting_id)
        return out(MinutesOut, minutes, reads=await governance.minutes.reads(minutes))

    @put(
        "/meetings/{meeting_id:uuid}/minutes",
        guards=[office_or_co_chair],
        summary="Write or correct the minutes (send the version you edited)",
    )
    async def write_minutes(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        meeting_id: FromPath[UUID],
        data: JSONBody[MinutesIn],
    ) -> MinutesOut:
        minutes = await governance.minutes.write(acting(request), code, meeting_id, data.text, data.version)
        return out(MinutesOut, minutes, reads=await governance.minutes.reads(minutes))
