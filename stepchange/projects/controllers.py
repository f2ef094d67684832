"""The project API: public reading, and for staff the updates, amendments, versions and pipeline projects."""

from __future__ import annotations

from typing import Annotated, Any, cast

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.serialization import encode_json
from litestar.status_codes import HTTP_201_CREATED

from stepchange.accounts.guards import acting_staff, any_staff, coordinator_only, office_or_co_chair
from stepchange.core.authz import is_staff
from stepchange.core.guards import current_principal
from stepchange.core.pagination import MAX_LIMIT, Window
from stepchange.projects.cache import json_variant, project_lists, read_only_session
from stepchange.projects.deps import provide_projects
from stepchange.projects.lifecycle import allowed_moves
from stepchange.projects.models import Project, ProjectStatus, StatusUpdate
from stepchange.projects.schemas import (
    AmendmentIn,
    PipelineProjectIn,
    ProjectBrief,
    ProjectPublic,
    ProjectStaff,
    StatusUpdateIn,
    StatusUpdateOut,
    VersionOut,
    WorkstreamDetail,
    WorkstreamOut,
)
from stepchange.projects.services import Amendment, ProjectService, WorkstreamProjects


def project_public(project: Project) -> ProjectPublic:
    return ProjectPublic(
        code=project.code,
        workstream=project.workstream.code,
        workstream_name=project.workstream.name,
        title=project.title,
        action=project.action,
        vision=project.vision,
        status=project.status,
        is_priority=project.is_priority,
    )


def project_staff(project: Project) -> ProjectStaff:
    public = project_public(project)
    return ProjectStaff(
        **{f: getattr(public, f) for f in public.__struct_fields__},
        rag=project.rag,
        version=project.version,
        updated_at=project.updated_at,
        allowed_moves=allowed_moves(project.status),
    )


def update_out(project: Project, update: StatusUpdate) -> StatusUpdateOut:
    return StatusUpdateOut(
        id=update.id,
        project=project.code,
        previous_status=update.previous_status,
        status=update.status,
        rag=update.rag,
        summary=update.summary,
        author=update.author,
        created_at=update.created_at,
    )


class ProjectController(Controller):
    path = "/api/projects"
    tags = ["Projects"]
    dependencies = {"projects": Provide(provide_projects)}

    @get("/", summary="Projects, optionally of one work-stream and one status")
    async def list_projects(
        self,
        request: Request[Any, Any, Any],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="How many items at most")] = 100,
        offset: Annotated[int, QueryParameter(ge=0, description="How many items to skip")] = 0,
        workstream: Annotated[str | None, QueryParameter(description="A work-stream code, e.g. CP")] = None,
        status: Annotated[ProjectStatus | None, QueryParameter(description="A lifecycle status")] = None,
    ) -> Response[OffsetPagination[ProjectPublic]]:
        """Served from the bytes rendered for the current projects version (see ``projects.cache``); the
        database is read, in a session of its own, only when they have to be rendered. The window's
        parameters are the ones ``provide_window`` declares, taken directly: no dependency to resolve."""
        window = Window(limit=limit, offset=offset)

        lists = project_lists(request.app)

        async def render() -> bytes:
            async with read_only_session(lists.engine) as session:
                found, total = await ProjectService(session=session).search(
                    workstream=workstream, status=status, limit=window.limit, offset=window.offset
                )
                return encode_json(window.page([project_public(p) for p in found], total))

        variant = json_variant(workstream, status, window.limit, window.offset)
        body = await lists.get_or_render(variant, render)
        return cast("Response[OffsetPagination[ProjectPublic]]", Response(body, media_type=MediaType.JSON))

    @get("/{code:str}", summary="One project (staff also see its RAG, version and the moves open to it)")
    async def get_project(
        self, request: Request[Any, Any, Any], projects: NamedDependency[ProjectService], code: FromPath[str]
    ) -> ProjectStaff | ProjectPublic:
        project = await projects.by_code(code)
        return project_staff(project) if is_staff(current_principal(request)) else project_public(project)

    @post("/", guards=[coordinator_only], status_code=HTTP_201_CREATED, summary="Add a pipeline project")
    async def add_project(
        self,
        request: Request[Any, Any, Any],
        projects: NamedDependency[ProjectService],
        data: JSONBody[PipelineProjectIn],
    ) -> ProjectStaff:
        project = await projects.add_pipeline_project(
            acting_staff(request), data.workstream, title=data.title, action=data.action, vision=data.vision
        )
        return project_staff(project)

    @patch("/{code:str}", guards=[office_or_co_chair], summary="Amend title, Action or Vision (send the version)")
    async def amend_project(
        self,
        request: Request[Any, Any, Any],
        projects: NamedDependency[ProjectService],
        code: FromPath[str],
        data: JSONBody[AmendmentIn],
    ) -> ProjectStaff:
        change = Amendment(data.version, data.title, data.action, data.vision, data.note)
        return project_staff(await projects.amend(acting_staff(request), code, change))

    @post("/{code:str}/updates", guards=[office_or_co_chair], status_code=HTTP_201_CREATED, summary="Post an update")
    async def post_update(
        self,
        request: Request[Any, Any, Any],
        projects: NamedDependency[ProjectService],
        code: FromPath[str],
        data: JSONBody[StatusUpdateIn],
    ) -> StatusUpdateOut:
        update = await projects.post_update(
            acting_staff(request), code, status=data.status, rag=data.rag, summary=data.summary
        )
        return update_out(await projects.by_code(code), update)

    @get("/{code:str}/updates", guards=[any_staff], summary="The dated history of updates, newest first")
    async def list_updates(
        self, projects: NamedDependency[ProjectService], window: NamedDependency[Window], code: FromPath[str]
    ) -> OffsetPagination[StatusUpdateOut]:
        project, updates = await projects.updates(code)
        return window.slice([update_out(project, u) for u in updates])

    @get("/{code:str}/versions", guards=[any_staff], summary="Every version of title, Action and Vision")
    async def list_versions(
        self, projects: NamedDependency[ProjectService], window: NamedDependency[Window], code: FromPath[str]
    ) -> OffsetPagination[VersionOut]:
        _, versions = await projects.versions(code)
        return window.slice([projects.to_schema(v, schema_type=VersionOut) for v in versions])

    @get("/{code:str}/versions/{number:int}", guards=[any_staff], summary="One version")
    async def get_version(
        self, projects: NamedDependency[ProjectService], code: FromPath[str], number: FromPath[int]
    ) -> VersionOut:
        _, version = await projects.version(code, number)
        return projects.to_schema(version, schema_type=VersionOut)


# --- work-streams and their projects ---------------------------------------------------------------


def workstream_detail(found: WorkstreamProjects) -> WorkstreamDetail:
    return WorkstreamDetail(
        code=found.code,
        name=found.name,
        source_name=found.source_name,
        summary=found.summary,
        project_count=len(found.projects),
        projects=[ProjectBrief(code=p.code, title=p.title, status=p.status) for p in found.projects],
    )


class WorkstreamController(Controller):
    """The public work-streams, each with its projects (work-streams themselves are reference data)."""

    path = "/api/workstreams"
    tags = ["Work-streams"]
    dependencies = {"projects": Provide(provide_projects)}

    @get("/", summary="The work-streams, in the Call to Action's order")
    async def list_workstreams(
        self, projects: NamedDependency[ProjectService], window: NamedDependency[Window]
    ) -> OffsetPagination[WorkstreamOut]:
        items = [workstream_detail(w) for w in await projects.by_workstream()]
        return window.slice(items)

    @get("/{code:str}", summary="One work-stream and its projects")
    async def get_workstream(self, projects: NamedDependency[ProjectService], code: FromPath[str]) -> WorkstreamDetail:
        return workstream_detail(await projects.workstream_with_projects(code))
