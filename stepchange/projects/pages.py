"""Public project pages: the list with its filters, and each project."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from stepchange.core.errors import FieldError, InvalidInput
from stepchange.projects.controllers import provide_projects
from stepchange.projects.models import ProjectStatus
from stepchange.projects.services import ProjectService
from stepchange.workstreams.controllers import provide_workstreams
from stepchange.workstreams.services import WorkstreamService


class ProjectPages(Controller):
    path = "/projects"
    include_in_schema = False
    dependencies = {"projects": Provide(provide_projects), "workstreams": Provide(provide_workstreams)}

    @get("/", name="projects")
    async def index(
        self,
        projects: NamedDependency[ProjectService],
        workstreams: NamedDependency[WorkstreamService],
        workstream: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
    ) -> Template:
        """The filters come from a form, so a bad value is shown on the page, not as a bare error."""
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
                rows, _ = await projects.search(workstream=workstream or None, status=chosen_status, limit=500)
                found = list(rows)
            except InvalidInput as exc:
                errors.extend(exc.errors)
        return Template(
            "projects/index.html",
            context={
                "projects": found,
                "workstreams": await workstreams.all_with_projects(),
                "statuses": list(ProjectStatus),
                "selected": {"workstream": (workstream or "").upper(), "status": status or ""},
                "errors": errors,
            },
            status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK,
        )

    @get("/{code:str}", name="project")
    async def detail(self, projects: NamedDependency[ProjectService], code: FromPath[str]) -> Template:
        return Template("projects/detail.html", context={"project": await projects.by_code(code)})
