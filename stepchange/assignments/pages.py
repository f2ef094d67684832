"""Assignment pages: the programme office's list of offers and the form to offer a place."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.assignments.deps import form_hours, provide_assignments
from stepchange.assignments.models import AssignmentRole
from stepchange.assignments.rules import UNCLEARED
from stepchange.assignments.services import AssignmentService
from stepchange.core.errors import DomainError, FieldError, InvalidInput, RuleViolation
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.projects.services import ProjectService

PAGE = 100


class AssignmentPages(Controller):
    path = "/assignments"
    include_in_schema = False
    guards = [coordinator_only]
    dependencies = {"assignments": Provide(provide_assignments)}

    async def _page(
        self,
        assignments: AssignmentService,
        *,
        project: str | None = None,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        done: str | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        found, total = await assignments.search(project_code=project, volunteer_id=None, limit=PAGE, offset=0)
        projects, _ = await ProjectService(session=assignments.session).search(limit=500)
        context = {
            "rows": found,
            "total": total,
            "project": (project or "").upper(),
            "projects": projects,
            "roles": list(AssignmentRole),
            "errors": errors or [],
            "values": values or {},
            "done": done,
        }
        return Template("assignments/index.html", context=context, status_code=status_code)

    @get("/", name="assignments")
    async def index(
        self,
        assignments: NamedDependency[AssignmentService],
        project: FromQuery[str | None] = None,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._page(assignments, project=project or None, done=done)

    @post("/")
    async def offer(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        """The same offer as the API's and the desk's; the hours (and an override of the person's own) are
        optional here."""
        values = {k: field(data, k) for k in ("volunteer", "project", "role", "hours", "override", "confirm_uncleared")}
        try:
            person = await assignments.volunteer_by_email(values["volunteer"])
            try:
                role = AssignmentRole(values["role"])
            except ValueError:
                raise InvalidInput.one("role", "Choose lead or member") from None
            hours = form_hours(data) if values["hours"] else None
            await assignments.offer(
                acting_staff(request),
                person.id,
                values["project"],
                role,
                hours,
                override=values["override"],
                confirm_uncleared=values["confirm_uncleared"] == "yes",
                settings=settings,
            )
        except FormRefusal as exc:
            await assignments.session.rollback()
            return await self._page(
                assignments, errors=offer_errors(exc), values=values, status_code=refusal_status(exc)
            )
        return see_other(f"/assignments?project={values['project'].upper()}&done=offered")


def offer_errors(exc: DomainError) -> list[FieldError]:
    """A refused offer's errors: the missing confirmation by its box, every other rule by the person's field."""
    if isinstance(exc, RuleViolation):
        return [FieldError("confirm_uncleared" if r.rule == UNCLEARED else "volunteer", r.advice) for r in exc.rules]
    return form_errors(exc, "volunteer")
