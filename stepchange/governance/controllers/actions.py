"""The API of the action log, and of the escalations of every work-stream for the board and the office."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from stepchange.core import clock
from stepchange.core.guards import current_principal
from stepchange.core.pagination import Window
from stepchange.governance.controllers.common import TAGS, out
from stepchange.governance.deps import GOVERNANCE, GovernanceServices, acting, board_or_office, provide_action_filter
from stepchange.governance.models import ActionItem
from stepchange.governance.schemas import ActionChangeIn, ActionIn, ActionOut, EscalateIn
from stepchange.governance.services.actions import ActionFilter


def action_out(item: ActionItem, today: dt.date) -> ActionOut:
    """The action with its work-stream's code, its owner, and whether it is overdue ``today`` (UK)."""
    return out(ActionOut, item, workstream=item.workstream.code, owner=item.owner_name, overdue=item.is_overdue(today))


class ActionController(Controller):
    """The work-stream's action plan: every action has an owner and a due date; escalated actions reach the board."""

    @get("/actions", summary="The action log, by due date", dependencies={"which": Provide(provide_action_filter)})
    async def actions(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
        which: NamedDependency[ActionFilter],
        code: FromPath[str],
    ) -> OffsetPagination[ActionOut]:
        _, found, total = await governance.actions.actions(current_principal(request), code, which, window)
        today = clock.uk_today()
        return window.page([action_out(a, today) for a in found], total)

    @post("/actions", summary="Add an action (an owner and a due date are required)")
    async def add_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[ActionIn],
    ) -> ActionOut:
        return action_out(await governance.actions.add(acting(request), code, data), clock.uk_today())

    @get("/actions/{action_id:uuid}", summary="One action")
    async def action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
    ) -> ActionOut:
        return action_out(
            await governance.actions.action(current_principal(request), code, action_id), clock.uk_today()
        )

    @patch("/actions/{action_id:uuid}", summary="Update an action (send its version to guard against lost edits)")
    async def change_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: JSONBody[ActionChangeIn],
    ) -> ActionOut:
        return action_out(await governance.actions.change(acting(request), code, action_id, data), clock.uk_today())

    @post("/actions/{action_id:uuid}/escalate", status_code=HTTP_200_OK, summary="Escalate to the programme board")
    async def escalate(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: JSONBody[EscalateIn],
    ) -> ActionOut:
        item = await governance.actions.escalate(acting(request), code, action_id, data.reason)
        return action_out(item, clock.uk_today())


class EscalationController(Controller):
    """Escalated actions across the work-streams, for the programme board and the office."""

    path = "/api/escalations"
    tags = TAGS
    guards = [board_or_office]
    dependencies = GOVERNANCE

    @get("/", summary="Escalated actions still open, across the work-streams, the longest-waiting first")
    async def escalations(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        window: NamedDependency[Window],
    ) -> OffsetPagination[ActionOut]:
        found, total = await governance.actions.escalations(current_principal(request), window)
        today = clock.uk_today()
        return window.page([action_out(a, today) for a in found], total)
