"""Public work-stream pages."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template

from stepchange.workstreams.controllers import provide_workstreams
from stepchange.workstreams.services import WorkstreamService


class WorkstreamPages(Controller):
    path = "/workstreams"
    include_in_schema = False
    dependencies = {"workstreams": Provide(provide_workstreams)}

    @get("/", name="workstreams")
    async def index(self, workstreams: NamedDependency[WorkstreamService]) -> Template:
        return Template("workstreams/index.html", context={"workstreams": await workstreams.all_with_projects()})

    @get("/{code:str}", name="workstream")
    async def detail(self, workstreams: NamedDependency[WorkstreamService], code: FromPath[str]) -> Template:
        return Template("workstreams/detail.html", context={"workstream": await workstreams.by_code(code)})
