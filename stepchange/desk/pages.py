"""The desk's pages: the office's overview, a project's team and suggestions, and the offer link's page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.accounts.guards import acting_staff, coordinator_only, office_or_co_chair
from stepchange.assignments.deps import form_hours, provide_assignments
from stepchange.assignments.models import AssignmentRole
from stepchange.assignments.notices import OFFER
from stepchange.assignments.rules import UNCLEARED
from stepchange.assignments.services import AssignmentService
from stepchange.assignments.terms import offer_terms
from stepchange.core.errors import DomainError, FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.links import check_link
from stepchange.core.listing import Listing, read_page
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.desk.deps import provide_desk
from stepchange.desk.schemas import team_out
from stepchange.desk.services import DeskService
from stepchange.interest.pages_links import link_problem

SHOWN = 20
"""A project's page shows this many of the best suggestions (and of those who cannot be assigned yet) at
a time, with how many more there are and pages to reach them."""
TEAM_SHOWN = 50
"""A project's page shows this many places on its team at a time, oldest offer first (pages reach the rest)."""
TEAM_PAGE = "team_page"


class DeskPages(Controller):
    path = "/desk"
    include_in_schema = False
    dependencies = {"desk": Provide(provide_desk), "assignments": Provide(provide_assignments)}

    @get("/", name="desk", guards=[coordinator_only])
    async def overview(self, desk: NamedDependency[DeskService]) -> Template:
        context = {
            "gaps": await desk.gaps(),
            "awaiting_validation": await desk.awaiting_validation(),
            "awaiting_review": await desk.awaiting_review(),
            "unanswered": await desk.unanswered_offers(),
            "unanswered_total": await desk.unanswered_count(),
        }
        return Template("desk/index.html", context=context)

    @get("/projects/{code:str}", name="desk_project", guards=[office_or_co_chair])
    async def project(
        self,
        request: Request[Any, Any, Any],
        desk: NamedDependency[DeskService],
        code: FromPath[str],
        done: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
        team_page: FromQuery[str | None] = None,
    ) -> Template:
        pages = (read_page(page), read_page(team_page))
        return await self._project(request, desk, code, done=done, pages=pages)

    async def _project(
        self,
        request: Request[Any, Any, Any],
        desk: DeskService,
        code: str,
        *,
        errors: list[FieldError] | None = None,
        done: str | None = None,
        pages: tuple[int, int] = (1, 1),
        status_code: int = 200,
    ) -> Template:
        """The page, with a page of the suggestions (``page``) and one of the team (``team_page``)."""
        limit = request.app.state.settings.team_max_share_percent
        page, team_page = pages
        window = Window(limit=SHOWN, offset=(page - 1) * SHOWN)
        team_window = Window(limit=TEAM_SHOWN, offset=(team_page - 1) * TEAM_SHOWN)
        found = await desk.project_desk(acting_staff(request), code, limit, window, team_window)
        path = f"/desk/projects/{found.team.project.code}"
        listing = Listing(
            path=path,
            filters={TEAM_PAGE: str(team_page)} if team_page > 1 else {},
            sort="",
            total=max(found.suggested_total, found.refused_total),
            page=page,
            size=SHOWN,
        )
        team_listing = Listing(
            path=path,
            filters={"page": str(page)} if page > 1 else {},
            sort="",
            total=found.team.total,
            page=team_page,
            size=TEAM_SHOWN,
            page_name=TEAM_PAGE,
            landmark="Pages of the team",
        )
        context = {
            "project": found.team.project,
            "team": team_out(found.team),
            "mix": found.team.mix,
            "share_limit": limit,
            "suggested": found.suggested,
            "refused": found.refused,
            "suggested_total": found.suggested_total,
            "refused_total": found.refused_total,
            "listing": listing,
            "team_listing": team_listing,
            "review": found.review,
            "cleared": found.cleared,
            "office": found.office,
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
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        code: FromPath[str],
    ) -> Template | Redirect:
        """Offer a suggested person a place, or end a place: the same service calls as the API's."""
        action, actor = field(data, "action"), acting_staff(request)
        try:
            if action == "offer":
                role = AssignmentRole.LEAD if field(data, "role") == "lead" else AssignmentRole.MEMBER
                await assignments.offer(
                    actor,
                    _uuid(data, "volunteer"),
                    code,
                    role,
                    form_hours(data),
                    override=field(data, "override"),
                    confirm_uncleared=field(data, "confirm_uncleared") == "yes",
                    settings=settings,
                )
            elif action == "end":
                await assignments.end(actor, _uuid(data, "assignment"), field(data, "reason"), settings)
            else:
                raise InvalidInput.one("action", "Choose what to do")
        except FormRefusal as exc:
            await assignments.session.rollback()
            errors = _refusal(exc, field(data, "volunteer"))
            return await self._project(request, desk, code, errors=errors, status_code=refusal_status(exc))
        return see_other(f"/desk/projects/{code.upper()}?done={action}")


class OfferPages(Controller):
    """The page behind the emailed offer link: opening it shows the offer, a button answers it."""

    path = "/offers"
    include_in_schema = False
    dependencies = {"assignments": Provide(provide_assignments)}

    @get("/{token:str}", name="offer")
    async def show(self, assignments: NamedDependency[AssignmentService], token: FromPath[str]) -> Template:
        """The offer: the role, the hours, the team's co-chairs, what the volunteer agrees to, when it lapses."""
        try:
            link = await check_link(assignments.session, OFFER, token[:200])
            assignment, project = await assignments.offer_for_link(token[:200])
        except (NotFound, RuleViolation) as exc:
            return link_problem(exc, what="sign-in", again="/my")
        terms = await offer_terms(assignments.session, assignment, project, link.expires_at)
        context = {"assignment": assignment, "project": project, "token": token, "terms": terms}
        return Template("desk/offer.html", context=context)

    @post("/{token:str}")
    async def answer(
        self,
        data: Form,
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        token: FromPath[str],
    ) -> Template:
        """Accept at once; declining asks "Are you sure?" first (a page of its own, so it works without JavaScript)."""
        accept = field(data, "answer") == "accept"
        try:
            if not accept and field(data, "confirmed") != "yes":
                assignment, project = await assignments.offer_for_link(token[:200])
                return Template(
                    "desk/decline.html", context={"assignment": assignment, "project": project, "token": token}
                )
            assignment, project = await assignments.respond(token[:200], accept, settings)
        except (NotFound, RuleViolation) as exc:
            await assignments.session.rollback()
            return link_problem(exc, what="sign-in", again="/my")
        return Template("desk/answered.html", context={"assignment": assignment, "project": project})


def _refusal(exc: DomainError, volunteer: str) -> list[FieldError]:
    """A refused offer's errors: the missing confirmation beside that person's box, every other rule by the hours."""
    if isinstance(exc, RuleViolation):
        return [
            FieldError(f"confirm_uncleared-{volunteer}" if r.rule == UNCLEARED else "hours", r.advice)
            for r in exc.rules
        ]
    return form_errors(exc, "hours")


def _uuid(form: dict[str, Any], name: str) -> UUID:
    try:
        return UUID(field(form, name))
    except ValueError:
        raise InvalidInput.one(name, "Reload the page and try again") from None
