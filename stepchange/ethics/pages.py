"""Ethics pages: the declarations queue, one declaration with its review and classification forms and
history, projects' commercial-advantage reviews, and the register of interests."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from stepchange.accounts.guards import acting_staff, any_staff
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, fields, form_errors, refusal_status
from stepchange.core.web import see_other
from stepchange.ethics.deps import (
    ethics_only,
    ethics_or_office,
    provide_conflicts,
    provide_project_reviews,
    queue_state,
)
from stepchange.ethics.models import ConflictKind, DeclarationOutcome, ProjectOutcome, ReviewState
from stepchange.ethics.services import ConflictService, ProjectClearance, ProjectReviewService, decision_problems
from stepchange.projects.services import ProjectService

QUEUE_PAGE = 50
Outcome = TypeVar("Outcome", DeclarationOutcome, ProjectOutcome)


def _outcome(form: dict[str, Any], kind: type[Outcome], reason: str, extra: str) -> Outcome:
    """The chosen outcome; when there is none, every problem with the form at once (the service's words)."""
    try:
        return kind(field(form, "outcome"))
    except ValueError:
        raise InvalidInput(decision_problems(None, reason, extra)) from None


def _choice(form: dict[str, Any], name: str, kind: Any, label: str) -> Any:
    """A radio or select answer as its enum, or a 400 naming the field."""
    try:
        return kind(field(form, name))
    except ValueError:
        raise InvalidInput.one(name, f"Choose {label}") from None


class EthicsPages(Controller):
    path = "/ethics"
    include_in_schema = False
    dependencies = {"conflicts": Provide(provide_conflicts), "reviews": Provide(provide_project_reviews)}

    # --- declarations -------------------------------------------------------------------------------

    @get("/", name="ethics", guards=[ethics_or_office])
    async def queue(
        self,
        conflicts: NamedDependency[ConflictService],
        wanted: Annotated[str, QueryParameter(name="state", max_length=20)] = "pending",
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> Template:
        errors: list[FieldError] = []
        try:
            chosen = queue_state(wanted)
        except InvalidInput as exc:
            errors, chosen, wanted = exc.errors, ReviewState.PENDING, "pending"
        views, total = await conflicts.queue(state=chosen, volunteer_id=None, limit=QUEUE_PAGE, offset=offset)
        context = {
            "views": views,
            "total": total,
            "state": wanted,
            "states": [s.value for s in ReviewState],
            "offset": offset,
            "page_size": QUEUE_PAGE,
            "errors": errors,
        }
        return Template(
            "ethics/queue.html", context=context, status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK
        )

    async def _declaration(
        self,
        request: Request[Any, Any, Any],
        conflicts: ConflictService,
        declaration_id: UUID,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, Any] | None = None,
        done: str | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        view = await conflicts.one(declaration_id, viewer=acting_staff(request))
        projects, _ = await ProjectService(session=conflicts.session).search(limit=500)
        choices, others = await conflicts.beside(view.declaration)
        context = {
            "view": view,
            "choices": choices,
            "others": others,
            "outcomes": list(DeclarationOutcome),
            "kinds": list(ConflictKind),
            "projects": projects,
            "errors": errors or [],
            "values": values or {},
            "done": done,
        }
        return Template("ethics/declaration.html", context=context, status_code=status_code)

    @get("/declarations/{declaration_id:uuid}", name="ethics_declaration", guards=[ethics_or_office])
    async def declaration(
        self,
        request: Request[Any, Any, Any],
        conflicts: NamedDependency[ConflictService],
        declaration_id: FromPath[UUID],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._declaration(request, conflicts, declaration_id, done=done)

    @post("/declarations/{declaration_id:uuid}/review", guards=[ethics_only])
    async def review(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        conflicts: NamedDependency[ConflictService],
        declaration_id: FromPath[UUID],
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("outcome", "reason", "mitigation")}
        try:
            outcome = _outcome(data, DeclarationOutcome, values["reason"], values["mitigation"])
            await conflicts.review(
                acting_staff(request), declaration_id, outcome, values["reason"], values["mitigation"]
            )
        except FormRefusal as exc:
            await conflicts.session.rollback()  # a recusal was already committed: it stays
            return await self._declaration(
                request,
                conflicts,
                declaration_id,
                errors=form_errors(exc, "outcome"),
                values=values,
                status_code=refusal_status(exc),
            )
        return see_other(f"/ethics/declarations/{declaration_id}?done=reviewed")

    @post("/declarations/{declaration_id:uuid}/classification", guards=[ethics_or_office])
    async def reclassify(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        conflicts: NamedDependency[ConflictService],
        declaration_id: FromPath[UUID],
    ) -> Template | Redirect:
        codes = fields(data, "projects")
        try:
            kind = _choice(data, "kind", ConflictKind, "the kind of conflict")
            await conflicts.reclassify(acting_staff(request), declaration_id, kind=kind, projects=codes)
        except FormRefusal as exc:
            await conflicts.session.rollback()
            values = {"kind": field(data, "kind"), "projects": codes}
            return await self._declaration(
                request,
                conflicts,
                declaration_id,
                errors=form_errors(exc, "kind"),
                values=values,
                status_code=refusal_status(exc),
            )
        return see_other(f"/ethics/declarations/{declaration_id}?done=reclassified")

    # --- projects -----------------------------------------------------------------------------------

    @get("/projects", name="ethics_projects", guards=[any_staff])
    async def projects(self, reviews: NamedDependency[ProjectReviewService]) -> Template:
        rows = [ProjectClearance(p, r) for p, r in await reviews.overview()]
        return Template("ethics/projects.html", context={"rows": rows})

    async def _project(
        self,
        request: Request[Any, Any, Any],
        reviews: ProjectReviewService,
        code: str,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        done: str | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        project, history, recusals = await reviews.history(code)
        context = {
            "project": project,
            "current": ProjectClearance(project, history[0] if history else None),
            "history": history,
            "recusals": recusals,
            "standing": await reviews.standing(acting_staff(request), project),
            "outcomes": list(ProjectOutcome),
            "errors": errors or [],
            "values": values or {},
            "done": done,
        }
        return Template("ethics/project.html", context=context, status_code=status_code)

    @get("/projects/{code:str}", name="ethics_project", guards=[any_staff])
    async def project(
        self,
        request: Request[Any, Any, Any],
        reviews: NamedDependency[ProjectReviewService],
        code: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._project(request, reviews, code, done=done)

    @post("/projects/{code:str}", guards=[ethics_only])
    async def review_project(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        reviews: NamedDependency[ProjectReviewService],
        code: FromPath[str],
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("outcome", "reason", "conditions")}
        try:
            outcome = _outcome(data, ProjectOutcome, values["reason"], values["conditions"])
            await reviews.review(acting_staff(request), code, outcome, values["reason"], values["conditions"])
        except FormRefusal as exc:
            await reviews.session.rollback()
            return await self._project(
                request,
                reviews,
                code,
                errors=form_errors(exc, "outcome"),
                values=values,
                status_code=refusal_status(exc),
            )
        return see_other(f"/ethics/projects/{code.strip().upper()}?done=reviewed")
