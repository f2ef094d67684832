"""The public work-stream API."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from stepchange.core.pagination import Window
from stepchange.workstreams.models import Workstream
from stepchange.workstreams.schemas import ProjectBrief, WorkstreamDetail, WorkstreamOut
from stepchange.workstreams.services import WorkstreamService

provide_workstreams = create_service_provider(WorkstreamService)


def workstream_detail(workstream: Workstream) -> WorkstreamDetail:
    return WorkstreamDetail(
        code=workstream.code,
        name=workstream.name,
        source_name=workstream.source_name,
        summary=workstream.summary,
        project_count=len(workstream.projects),
        projects=[ProjectBrief(code=p.code, title=p.title, status=p.status) for p in workstream.projects],
    )


class WorkstreamController(Controller):
    path = "/api/workstreams"
    tags = ["Work-streams"]
    dependencies = {"workstreams": Provide(provide_workstreams)}

    @get("/", summary="The work-streams, in the Call to Action's order")
    async def list_workstreams(
        self, workstreams: NamedDependency[WorkstreamService], window: NamedDependency[Window]
    ) -> OffsetPagination[WorkstreamOut]:
        items = [workstream_detail(w) for w in await workstreams.all_with_projects()]
        return window.slice(items)

    @get("/{code:str}", summary="One work-stream and its projects")
    async def get_workstream(
        self, workstreams: NamedDependency[WorkstreamService], code: FromPath[str]
    ) -> WorkstreamDetail:
        return workstream_detail(await workstreams.by_code(code))
