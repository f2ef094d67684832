"""The action log of a work-stream, and the escalations of every work-stream for the board and the office."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.core import clock
from stepchange.core.errors import InvalidInput
from stepchange.core.forms import Form, date_as_typed, date_values, field, form_date
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GOVERNANCE, GovernanceServices, acting, board_or_office
from stepchange.governance.models import ActionStatus
from stepchange.governance.pages.common import ALL, FRESH, Shown, governance_path, is_office, page, submit
from stepchange.governance.schemas import ActionChangeIn, ActionIn
from stepchange.governance.services.actions import ActionFilter

ACTION_VIEWS = {
    "open": ActionFilter(open=True),
    "overdue": ActionFilter(overdue=True),
    "escalated": ActionFilter(open=True, escalated=True),
    "closed": ActionFilter(open=False),
    "all": ActionFilter(),
}
"""The action log's views, as the page's filter links name them."""


class ActionPages(Controller):
    """The action log with its views, a form to add an action, and each action's page."""

    @get("/actions", name="actions")
    async def actions(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        show: FromQuery[str | None] = None,
    ) -> Template:
        return await self._actions(request, governance, code, show)

    async def _actions(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        show: str | None,
        shown: Shown = FRESH,
    ) -> Template:
        which = ACTION_VIEWS.get(show or "open", ACTION_VIEWS["open"])
        workstream, actions, total = await governance.actions.actions(current_principal(request), code, which, ALL)
        return page(
            request,
            "actions",
            workstream,
            shown,
            actions=actions,
            total=total,
            show=show if show in ACTION_VIEWS else "open",
        )

    @post("/actions")
    async def add_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "owner", "notes")}
        values["due_on"] = date_as_typed(data, "due_on")

        async def change() -> object:
            due_on = form_date(data, "due_on", "The due date")
            item = ActionIn(title=values["title"], owner=values["owner"], notes=values["notes"], due_on=due_on)
            return await governance.actions.add(acting(request), code, item)

        async def again(shown: Shown) -> Template:
            return await self._actions(request, governance, code, None, shown)

        return await submit(governance, change, f"{governance_path(code)}/actions?done=added", again, values)

    @get("/actions/{action_id:uuid}", name="action")
    async def action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
    ) -> Template:
        return await self._action(request, governance, code, action_id)

    async def _action(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        action_id: UUID,
        shown: Shown = FRESH,
    ) -> Template:
        item = await governance.actions.action(current_principal(request), code, action_id)
        values = shown.values or {
            "title": item.title,
            "owner": item.owner_name,
            "notes": item.notes,
            "status": item.status.value,
            "due_on": date_values(item.due_on),
            "version": str(item.version),
        }
        return page(
            request,
            "action",
            item.workstream,
            shown,
            action=item,
            statuses=list(ActionStatus),
            values=values,
        )

    @post("/actions/{action_id:uuid}")
    async def change_action(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k) for k in ("title", "owner", "notes", "status", "version")}
        values["due_on"] = date_as_typed(data, "due_on")

        async def change() -> object:
            update = action_change(data, values)
            return await governance.actions.change(acting(request), code, action_id, update)

        async def again(shown: Shown) -> Template:
            return await self._action(request, governance, code, action_id, shown)

        done = f"{governance_path(code)}/actions/{action_id}?done=updated"
        return await submit(governance, change, done, again, values)

    @post("/actions/{action_id:uuid}/escalate")
    async def escalate(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        action_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        async def change() -> object:
            return await governance.actions.escalate(acting(request), code, action_id, field(data, "reason"))

        async def again(shown: Shown) -> Template:
            return await self._action(request, governance, code, action_id, shown.against("reason"))

        return await submit(governance, change, f"{governance_path(code)}/actions/{action_id}?done=escalated", again)


def action_change(form: Form, values: dict[str, Any]) -> ActionChangeIn:
    """The action's form as the service takes it; ``version`` is the one the editor started from."""
    try:
        status = ActionStatus(values["status"])
    except ValueError:
        raise InvalidInput.one("status", "Choose how the action stands") from None
    return ActionChangeIn(
        version=int(values["version"]) if values["version"].isdigit() else None,
        title=values["title"],
        owner=values["owner"],
        notes=values["notes"],
        status=status,
        due_on=form_date(form, "due_on", "The due date"),
    )


class EscalationPages(Controller):
    """The escalated actions of every work-stream, for the programme board and the office."""

    include_in_schema = False
    dependencies = GOVERNANCE

    @get("/escalations", name="escalations", guards=[board_or_office])
    async def escalations(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices]
    ) -> Template:
        principal = current_principal(request)
        actions, total = await governance.actions.escalations(principal, ALL)
        context = {"actions": actions, "total": total, "today": clock.uk_today(), "office": is_office(principal)}
        return Template("workstreams/escalations.html", context=context)
