"""Project pages: the public list and project page, and for staff the updates, amendments, versions,
milestones and new pipeline projects."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff, any_staff, coordinator_only, office_or_co_chair
from stepchange.core.authz import Role, is_staff, runs_workstream
from stepchange.core.errors import FieldError, InvalidInput, StaleVersion
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.guards import current_principal
from stepchange.core.security import NONCE_KEY
from stepchange.core.web import see_other
from stepchange.projects.cache import NONCE_PLACEHOLDER, html_variant, project_lists, read_only_session
from stepchange.projects.deps import provide_milestones, provide_projects
from stepchange.projects.facts import OPEN_CALL_FACTS, PROJECT_FACTS
from stepchange.projects.lifecycle import OPEN_TO_AMENDMENT, allowed_moves
from stepchange.projects.milestones import MilestoneService
from stepchange.projects.models import Project, ProjectStatus, Rag
from stepchange.projects.proposals import ProposalService
from stepchange.projects.services import Amendment, ProjectService
from stepchange.workstreams.deps import provide_workstreams
from stepchange.workstreams.services import WorkstreamService

E = TypeVar("E", ProjectStatus, Rag)


def render_with_placeholder(request: Request[Any, Any, Any], template_name: str, context: dict[str, Any]) -> bytes:
    """Render a page as a Template response would, with :data:`NONCE_PLACEHOLDER` for this request's nonce."""
    engine = request.app.template_engine
    if engine is None:
        raise RuntimeError("no template engine")
    state = request.scope.setdefault("state", {})
    own = state.get(NONCE_KEY)
    state[NONCE_KEY] = NONCE_PLACEHOLDER.decode()
    try:
        page: str = engine.get_template(template_name).render(**context, request=request)
        return page.encode()
    finally:
        if own is None:
            state.pop(NONCE_KEY, None)
        else:
            state[NONCE_KEY] = own


def _date(form: dict[str, Any], name: str, label: str) -> dt.date:
    try:
        return dt.date(
            int(field(form, f"{name}-year")), int(field(form, f"{name}-month")), int(field(form, f"{name}-day"))
        )
    except ValueError:
        raise InvalidInput.one(name, f"{label} must be a real date, like 27 3 2027") from None


class ProjectPages(Controller):
    path = "/projects"
    include_in_schema = False
    dependencies = {
        "projects": Provide(provide_projects),
        "workstreams": Provide(provide_workstreams),
        "milestones": Provide(provide_milestones),
    }

    @get("/", name="projects")
    async def index(
        self,
        request: Request[Any, Any, Any],
        workstream: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """The filters come from a form, so a bad value is shown on the page, not as a bare error.

        The page is kept as rendered for the current projects version (see ``projects.cache``), one copy
        per filter, path and kind of visitor (the header differs); only the CSP nonce is per request.
        """
        refused: bytes | None = None
        lists = project_lists(request.app)

        async def render() -> bytes | None:
            nonlocal refused
            async with read_only_session(lists.engine) as session:
                context = await self._index_context(session, workstream, status)
                body = render_with_placeholder(request, "projects/index.html", context)
            if context["errors"]:  # a bad filter: shown, never kept
                refused = body
                return None
            return body

        user = request.scope.get("user")
        visitor = (type(user).__name__, getattr(user, "role", None)) if user is not None else None
        variant = html_variant(request.url.path, visitor, workstream, status)
        body = await lists.get_or_render(variant, render)
        status_code = HTTP_200_OK if body is not None else HTTP_400_BAD_REQUEST
        page = (body if body is not None else refused) or b""
        nonce = str(request.scope.get("state", {}).get(NONCE_KEY, "")).encode()
        return Response(page.replace(NONCE_PLACEHOLDER, nonce), media_type=MediaType.HTML, status_code=status_code)

    @staticmethod
    async def _index_context(session: AsyncSession, workstream: str | None, status: str | None) -> dict[str, Any]:
        errors: list[FieldError] = []
        chosen_status: ProjectStatus | None = None
        if status:
            try:
                chosen_status = ProjectStatus(status)
            except ValueError:
                errors.append(FieldError("status", "Choose a status from the list"))
        found: list[object] = []
        if not errors:
            try:
                rows, _ = await ProjectService(session=session).search(
                    workstream=workstream or None, status=chosen_status, limit=500
                )
                found = list(rows)
            except InvalidInput as exc:
                errors.extend(exc.errors)
        return {
            "projects": found,
            "workstreams": await WorkstreamService(session=session).in_order(),
            "statuses": list(ProjectStatus),
            "selected": {"workstream": (workstream or "").upper(), "status": status or ""},
            "errors": errors,
        }

    @get("/new", name="new_project", guards=[coordinator_only])
    async def new_form(self, workstreams: NamedDependency[WorkstreamService]) -> Template:
        return Template(
            "projects/new.html",
            context={"workstreams": await workstreams.in_order(), "errors": [], "values": {}},
        )

    @post("/new", guards=[coordinator_only])
    async def new(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        projects: NamedDependency[ProjectService],
        workstreams: NamedDependency[WorkstreamService],
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("workstream", "title", "action", "vision")}
        try:
            project = await projects.add_pipeline_project(
                acting_staff(request),
                values["workstream"],
                title=values["title"],
                action=values["action"],
                vision=values["vision"],
            )
        except FormRefusal as exc:
            await projects.session.rollback()
            context = {
                "workstreams": await workstreams.in_order(),
                "errors": form_errors(exc),
                "values": values,
            }
            return Template("projects/new.html", context=context, status_code=refusal_status(exc))
        return see_other(f"/projects/{project.code}?done=added")

    @get("/{code:str}", name="project")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        projects: NamedDependency[ProjectService],
        milestones: NamedDependency[MilestoneService],
        code: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._detail(request, projects, milestones, code, done=done)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        projects: ProjectService,
        milestones: MilestoneService,
        code: str,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        done: str | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        """The project page; staff also see RAG, the history, milestones and (if they run it) the forms."""
        project = await projects.by_code(code)
        principal = current_principal(request)
        context: dict[str, Any] = {
            "project": project,
            "staff": is_staff(principal),
            "errors": errors or [],
            "done": done,
            "may_propose": await ProposalService(session=projects.session).may_propose(principal, project),
            "open_call": await OPEN_CALL_FACTS().call_offering(projects.session, project.id),
        }
        if context["staff"]:
            _, updates = await projects.updates(code)
            context |= {
                "updates": updates,
                "milestones": await milestones.timeline(project_code=project.code),
                "may_run": runs_workstream(principal, project.workstream_id),
                "moves": [project.status, *allowed_moves(project.status)],
                "rags": list(Rag),
                "open_to_amendment": project.status in OPEN_TO_AMENDMENT,
                "staff_facts": await PROJECT_FACTS().staff_facts(projects.session, project.id),
                "office": principal is not None and principal.role == Role.COORDINATOR,
                "values": values or {},
            }
        return Template("projects/detail.html", context=context, status_code=status_code)

    @post("/{code:str}/updates", guards=[office_or_co_chair])
    async def post_update(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        projects: NamedDependency[ProjectService],
        milestones: NamedDependency[MilestoneService],
        code: FromPath[str],
    ) -> Template | Redirect:
        try:
            await projects.post_update(
                acting_staff(request),
                code,
                status=_optional(data, "status", ProjectStatus),
                rag=_optional(data, "rag", Rag),
                summary=field(data, "summary"),
            )
        except FormRefusal as exc:
            await projects.session.rollback()
            values = {k: field(data, k) for k in ("status", "rag", "summary")}
            errors = form_errors(exc, "status")
            return await self._detail(
                request, projects, milestones, code, errors=errors, values=values, status_code=refusal_status(exc)
            )
        return see_other(f"/projects/{code.upper()}?done=update#updates")

    @get("/{code:str}/amend", name="amend_project", guards=[office_or_co_chair])
    async def amend_form(
        self, request: Request[Any, Any, Any], projects: NamedDependency[ProjectService], code: FromPath[str]
    ) -> Template:
        project = await projects.amendable(acting_staff(request), code)  # refused before the form, not after
        return Template("projects/amend.html", context={"project": project, "errors": [], "values": _texts(project)})

    @post("/{code:str}/amend", guards=[office_or_co_chair])
    async def amend(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        projects: NamedDependency[ProjectService],
        code: FromPath[str],
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("title", "action", "vision", "note", "version")}
        try:
            change = Amendment(
                _version(values["version"]), values["title"], values["action"], values["vision"], values["note"]
            )
            await projects.amend(acting_staff(request), code, change)
        except FormRefusal as exc:
            await projects.session.rollback()
            project = await projects.by_code(code)
            context = {"project": project, "errors": form_errors(exc, "title"), "values": values}
            if isinstance(exc, StaleVersion):
                context["current"] = _texts(project)  # show theirs beside yours: nothing typed is lost
            return Template("projects/amend.html", context=context, status_code=refusal_status(exc))
        return see_other(f"/projects/{code.upper()}?done=amended")

    @get("/{code:str}/versions", name="project_versions", guards=[any_staff])
    async def versions(self, projects: NamedDependency[ProjectService], code: FromPath[str]) -> Template:
        project, versions = await projects.versions(code)
        return Template("projects/versions.html", context={"project": project, "versions": versions})

    @get("/{code:str}/versions/{number:int}", name="project_version", guards=[any_staff])
    async def version(
        self, projects: NamedDependency[ProjectService], code: FromPath[str], number: FromPath[int]
    ) -> Template:
        project, version = await projects.version(code, number)
        return Template("projects/version.html", context={"project": project, "version": version})

    @post("/{code:str}/milestones", guards=[office_or_co_chair])
    async def add_milestone(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        projects: NamedDependency[ProjectService],
        milestones: NamedDependency[MilestoneService],
        code: FromPath[str],
    ) -> Template | Redirect:
        try:
            due_on = _date(data, "due_on", "The due date")
            await milestones.add(acting_staff(request), title=field(data, "title"), due_on=due_on, project_code=code)
        except FormRefusal as exc:
            await milestones.session.rollback()
            values = {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}
            return await self._detail(
                request,
                projects,
                milestones,
                code,
                errors=form_errors(exc, "title"),
                values=values,
                status_code=refusal_status(exc),
            )
        return see_other(f"/projects/{code.upper()}?done=milestone#milestones")

    @post("/{code:str}/milestones/{milestone_id:uuid}/done", guards=[office_or_co_chair])
    async def milestone_done(
        self,
        request: Request[Any, Any, Any],
        milestones: NamedDependency[MilestoneService],
        code: FromPath[str],
        milestone_id: FromPath[UUID],
    ) -> Redirect:
        await milestones.mark_done(acting_staff(request), milestone_id)
        return see_other(f"/projects/{code.upper()}?done=milestone_done#milestones")


def _version(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput.one("version", "Reload the page and make your change again")
    return int(value)


def _texts(project: Project) -> dict[str, str]:
    return {"title": project.title, "action": project.action, "vision": project.vision, "version": str(project.version)}


class WorkstreamPages(Controller):
    """The public work-stream pages: each work-stream and its projects."""

    path = "/workstreams"
    include_in_schema = False
    dependencies = {"projects": Provide(provide_projects)}

    @get("/", name="workstreams")
    async def workstreams_index(self, projects: NamedDependency[ProjectService]) -> Template:
        return Template("workstreams/index.html", context={"workstreams": await projects.by_workstream()})

    @get("/{code:str}", name="workstream")
    async def workstream_detail(
        self, request: Request[Any, Any, Any], projects: NamedDependency[ProjectService], code: FromPath[str]
    ) -> Template:
        """The public page; the work-stream's co-chairs and the office also see its open proposals."""
        found = await projects.workstream_with_projects(code)
        queue = None
        if runs_workstream(current_principal(request), found.workstream.id):
            queue = await ProposalService(session=projects.session).open_proposals(found.workstream.id)
        return Template("workstreams/detail.html", context={"workstream": found, "open_proposals": queue})


def _optional(form: dict[str, Any], name: str, kind: type[E]) -> E | None:
    """A radio or select answer as its enum, or ``None`` when missing or not one (the service names it)."""
    try:
        return kind(field(form, name))
    except ValueError:
        return None
