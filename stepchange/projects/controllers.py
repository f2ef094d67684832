"""The project API."""

from __future__ import annotations

from typing import Annotated

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from stepchange.core.pagination import Window
from stepchange.projects.models import Project, ProjectStatus
from stepchange.projects.schemas import ProjectPublic
from stepchange.projects.services import ProjectService

provide_projects = create_service_provider(ProjectService)


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


class ProjectController(Controller):
    path = "/api/projects"
    tags = ["Projects"]
    dependencies = {"projects": Provide(provide_projects)}

    @get("/", summary="Projects, optionally of one work-stream and one status")
    async def list_projects(
        self,
        projects: NamedDependency[ProjectService],
        window: NamedDependency[Window],
        workstream: Annotated[str | None, QueryParameter(description="A work-stream code, e.g. CP")] = None,
        status: Annotated[ProjectStatus | None, QueryParameter(description="A lifecycle status")] = None,
    ) -> OffsetPagination[ProjectPublic]:
        found, total = await projects.search(
            workstream=workstream, status=status, limit=window.limit, offset=window.offset
        )
        return window.page([project_public(p) for p in found], total)

    @get("/{code:str}", summary="One project")
    async def get_project(self, projects: NamedDependency[ProjectService], code: FromPath[str]) -> ProjectPublic:
        return project_public(await projects.by_code(code))
