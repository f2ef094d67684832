"""What every governance page shares: its frame (the work-stream, who is looking, what they may do) and forms."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from stepchange.core import clock
from stepchange.core.authz import Role, runs_workstream
from stepchange.core.errors import FieldError
from stepchange.core.forms import FormRefusal, form_errors, refusal_status
from stepchange.core.guards import Principal, current_principal
from stepchange.core.pagination import Window
from stepchange.core.web import see_other
from stepchange.governance.deps import GovernanceServices
from stepchange.governance.models import Seat
from stepchange.workstreams.models import Workstream

ALL = Window(limit=500, offset=0)
"""A page lists everything at once: a work-stream's lists are short."""


@dataclasses.dataclass(frozen=True)
class Shown:
    """How a page shows its form: fresh, or again after a refusal, with why and what was typed."""

    errors: list[FieldError] = dataclasses.field(default_factory=list)
    status_code: int = 200
    values: dict[str, Any] = dataclasses.field(default_factory=dict)

    def against(self, name: str) -> Shown:
        """Every error against the one field ``name``: a form with a single box shows them there."""
        return dataclasses.replace(self, errors=[FieldError(name, e.message) for e in self.errors])


FRESH = Shown()


def is_office(principal: Principal | None) -> bool:
    """The programme office (coordinators), who alone make appointments and see every work-stream."""
    return principal is not None and principal.role == Role.COORDINATOR


def governance_path(code: str) -> str:
    """Where a work-stream's governance pages live."""
    return f"/workstreams/{code.upper()}/governance"


def page(
    request: Request[Any, Any, Any],
    name: str,
    workstream: Workstream,
    shown: Shown = FRESH,
    **context: Any,
) -> Template:
    """Every governance page knows its work-stream, who is looking, what they may do, and how its form stands."""
    principal = current_principal(request)
    return Template(
        f"workstreams/{name}.html",
        context={
            "workstream": workstream,
            "runs": runs_workstream(principal, workstream.id),
            "office": is_office(principal),
            "seats": list(Seat),
            "today": clock.uk_today(),
            "errors": shown.errors,
            "values": shown.values,
            "done": request.query_params.get("done"),
            **context,
        },
        status_code=shown.status_code,
    )


async def submit(
    governance: GovernanceServices,
    change: Callable[[], Awaitable[Any]],
    done: str | Callable[[Any], str],
    again: Callable[[Shown], Awaitable[Template]],
    values: dict[str, Any] | None = None,
) -> Template | Redirect:
    """Make a change from a form: on success go to ``done`` (303); on a refusal show the form again with why
    (and the ``values`` typed).

    ``done`` may be worked out from what the change made (a new meeting's page). Other errors (401, 403,
    404) get the error page.
    """
    try:
        made = await change()
    except FormRefusal as exc:
        await governance.session.rollback()
        return await again(Shown(form_errors(exc), refusal_status(exc), values or {}))
    return see_other(done if isinstance(done, str) else done(made))
