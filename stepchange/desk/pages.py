"""The desk's pages: the office's overview, a project's team and suggestions, and the offer link's page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from stepchange.accounts.guards import acting_staff, coordinator_only, office_or_co_chair
from stepchange.assignments.models import ACTIVE, AssignmentRole
from stepchange.core.authz import require_runs_workstream
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.settings import Settings
from stepchange.desk.controllers import provide_desk, team_out
from stepchange.desk.services import DeskService


class DeskPages(Controller):
    path = "/desk"
    include_in_schema = False
    dependencies = {"desk": Provide(provide_desk)}

    @get("/", name="desk", guards=[coordinator_only])
    async def overview(self, desk: NamedDependency[DeskService]) -> Template:
        context = {
            "gaps": await desk.gaps(),
            "awaiting_validation": await desk.awaiting_validation(),
            "awaiting_review": await desk.awaiting_review(),
            "unanswered": await desk.unanswered_offers(),
        }
        return Template("desk/index.html", context=context)

    @get("/projects/{code:str}", name="desk_project", guards=[office_or_co_chair])
    async def project(
        self,
        request: Request[Any, Any, Any],
        desk: NamedDependency[DeskService],
        code: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._project(request, desk, code, done=done)

    async def _project(
        self,
        request: Request[Any, Any, Any],
        desk: DeskService,
        code: str,
        *,
        errors: list[FieldError] | None = None,
        done: str | None = None,
        status_code: int = 200,
    ) -> Template:
        project = await desk.projects.by_code(code)
        actor = acting_staff(request)
        require_runs_workstream(actor, project.workstream_id, "see this project's team")
        office = actor.role == "coordinator"
        suggested, refused = await desk.suggestions(code)
        # People with a place already show in the team; "cannot be assigned yet" is for the others.
        on_team = {a.volunteer_id for a, _ in await desk.team_of(project) if a.status in ACTIVE}
        context = {
            "project": project,
            "team": await team_out(desk, code),
            "suggested": suggested,
            "refused": [s for s in refused if s.volunteer.id not in on_team] if office else [],
            "office": office,
            "errors": errors or [],
            "done": done,
        }
        return Template("desk/project.html", context=context, status_code=status_code)

    @post("/projects/{code:str}", guards=[coordinator_only])
    async def act(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        desk: NamedDependency[DeskService],
        settings: NamedDependency[Settings],
        code: FromPath[str],
    ) -> Template | Redirect:
        action, actor = field(data, "action"), acting_staff(request)
        try:
            if action == "offer":
                role = AssignmentRole.LEAD if field(data, "role") == "lead" else AssignmentRole.MEMBER
                await desk.offer(
                    actor,
                    _uuid(data, "volunteer"),
                    code,
                    role,
                    _hours(data),
                    settings,
                    override=field(data, "override"),
                )
            elif action == "end":
                await desk.end(actor, _uuid(data, "assignment"), field(data, "reason"), settings)
            else:
                raise InvalidInput.one("action", "Choose what to do")
        except FormRefusal as exc:
            await desk.session.rollback()
            return await self._project(
                request, desk, code, errors=form_errors(exc, "hours"), status_code=refusal_status(exc)
            )
        return Redirect(f"/desk/projects/{code.upper()}?done={action}", status_code=HTTP_303_SEE_OTHER)


class OfferPages(Controller):
    """The page behind the emailed offer link: opening it shows the offer, a button answers it."""

    path = "/offers"
    include_in_schema = False
    dependencies = {"desk": Provide(provide_desk)}

    @get("/{token:str}", name="offer")
    async def show(self, desk: NamedDependency[DeskService], token: FromPath[str]) -> Template:
        assignment, project = await desk.offer_for_link(token[:200])
        return Template("desk/offer.html", context={"assignment": assignment, "project": project, "token": token})

    @post("/{token:str}")
    async def answer(
        self, data: Form, desk: NamedDependency[DeskService], settings: NamedDependency[Settings], token: FromPath[str]
    ) -> Template:
        assignment, project = await desk.respond(token[:200], field(data, "answer") == "accept", settings)
        return Template("desk/answered.html", context={"assignment": assignment, "project": project})


def _uuid(form: dict[str, Any], name: str) -> UUID:
    try:
        return UUID(field(form, name))
    except ValueError:
        raise InvalidInput.one(name, "Reload the page and try again") from None


def _hours(form: dict[str, Any]) -> int:
    value = field(form, "hours")
    if not value.isdigit():
        raise InvalidInput.one("hours", "Enter the hours a month this place takes, as a number")
    return int(value)
