"""The milestones API: the programme's and each project's, with overdue and days to go in UK time."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from stepchange.accounts.guards import acting_staff, any_staff, office_or_co_chair
from stepchange.core.pagination import Window
from stepchange.programme.schemas import MilestoneDoneIn, MilestoneIn, MilestoneOut
from stepchange.projects.deps import provide_milestones
from stepchange.projects.milestones import MilestoneService, MilestoneView


def milestone_out(view: MilestoneView) -> MilestoneOut:
    m = view.milestone
    return MilestoneOut(
        id=m.id,
        title=m.title,
        project=view.project_code,
        due_on=m.due_on,
        done_on=m.done_on,
        overdue=view.overdue,
        days_to_go=view.days_to_go,
    )


class MilestoneController(Controller):
    path = "/api/milestones"
    tags = ["Milestones"]
    dependencies = {"milestones": Provide(provide_milestones)}

    @get("/", guards=[any_staff], summary="Milestones by due date, the programme's and the projects'")
    async def list_milestones(
        self,
        milestones: NamedDependency[MilestoneService],
        window: NamedDependency[Window],
        project: Annotated[str | None, QueryParameter(max_length=8, description="Only this project's")] = None,
    ) -> OffsetPagination[MilestoneOut]:
        return window.slice([milestone_out(v) for v in await milestones.timeline(project_code=project)])

    @post("/", guards=[office_or_co_chair], status_code=HTTP_201_CREATED, summary="Add a milestone")
    async def add_milestone(
        self,
        request: Request[Any, Any, Any],
        milestones: NamedDependency[MilestoneService],
        data: JSONBody[MilestoneIn],
    ) -> MilestoneOut:
        view = await milestones.add(
            acting_staff(request), title=data.title, due_on=data.due_on, project_code=data.project
        )
        return milestone_out(view)

    @post("/{milestone_id:uuid}/done", guards=[office_or_co_chair], status_code=HTTP_200_OK, summary="Mark done")
    async def mark_done(
        self,
        request: Request[Any, Any, Any],
        milestones: NamedDependency[MilestoneService],
        milestone_id: FromPath[UUID],
        data: JSONBody[MilestoneDoneIn],
    ) -> MilestoneOut:
        return milestone_out(await milestones.mark_done(acting_staff(request), milestone_id, data.done_on))
