"""The public pages about the programme: home (with the Call to Action), privacy, accessibility, contact."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stepchange.accounts.guards import acting_staff, any_staff, office_or_co_chair
from stepchange.core import clock
from stepchange.core.guards import current_principal
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService
from stepchange.interest.deps import provide_calls
from stepchange.programme.deps import provide_activities
from stepchange.programme.services import KeyActivityService
from stepchange.projects.deps import provide_milestones, provide_projects
from stepchange.projects.milestones import MilestoneService, keeps_programme_milestones
from stepchange.projects.services import ProjectService


class ProgrammePages(Controller):
    include_in_schema = False
    dependencies = {
        "projects": Provide(provide_projects),
        "milestones": Provide(provide_milestones),
        "activities": Provide(provide_activities),
        "calls": Provide(provide_calls),
    }

    @get("/", name="home")
    async def home(
        self,
        projects: NamedDependency[ProjectService],
        milestones: NamedDependency[MilestoneService],
        activities: NamedDependency[KeyActivityService],
        calls: NamedDependency[CallService],
    ) -> Template:
        return Template(
            "home.html",
            context={
                "workstreams": await projects.by_workstream(),
                "milestones": await milestones.programme_milestones(),
                "activities": await activities.in_source_order(),
                "open_call": await calls.open_call(),
                "latest_call": await calls.latest(),
                "today": clock.uk_today(),
            },
        )

    @get("/privacy", name="privacy")
    async def privacy(self) -> Template:
        return Template("privacy.html")

    @get("/accessibility", name="accessibility")
    async def accessibility(self) -> Template:
        return Template("accessibility.html")

    @get("/contact", name="contact")
    async def contact(self) -> Template:
        return Template("contact.html")


class MilestonePages(Controller):
    """The programme's timeline for staff: every milestone, overdue ones flagged, done ones dated."""

    path = "/milestones"
    include_in_schema = False
    dependencies = {"milestones": Provide(provide_milestones)}

    @get("/", name="milestones", guards=[any_staff])
    async def timeline(
        self, request: Request[Any, Any, Any], milestones: NamedDependency[MilestoneService]
    ) -> Template:
        views = await milestones.timeline()
        may_keep_programme = keeps_programme_milestones(current_principal(request))
        return Template("milestones.html", context={"views": views, "may_keep_programme": may_keep_programme})

    @post("/{milestone_id:uuid}/done", guards=[office_or_co_chair])
    async def mark_done(
        self,
        request: Request[Any, Any, Any],
        milestones: NamedDependency[MilestoneService],
        milestone_id: FromPath[UUID],
    ) -> Redirect:
        await milestones.mark_done(acting_staff(request), milestone_id)
        return see_other("/milestones")
