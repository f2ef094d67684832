"""The public pages about the programme: home (with the Call to Action), privacy, accessibility, contact."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template

from stepchange.interest.services import CallService
from stepchange.programme.services import KeyActivityService, MilestoneService, today_uk
from stepchange.workstreams.services import WorkstreamService


class ProgrammePages(Controller):
    include_in_schema = False
    dependencies = {
        "workstreams": Provide(create_service_provider(WorkstreamService)),
        "milestones": Provide(create_service_provider(MilestoneService)),
        "activities": Provide(create_service_provider(KeyActivityService)),
        "calls": Provide(create_service_provider(CallService)),
    }

    @get("/", name="home")
    async def home(
        self,
        workstreams: NamedDependency[WorkstreamService],
        milestones: NamedDependency[MilestoneService],
        activities: NamedDependency[KeyActivityService],
        calls: NamedDependency[CallService],
    ) -> Template:
        return Template(
            "home.html",
            context={
                "workstreams": await workstreams.all_with_projects(),
                "milestones": await milestones.programme_milestones(),
                "activities": await activities.in_source_order(),
                "open_call": await calls.open_call(),
                "latest_call": await calls.latest(),
                "today": today_uk(),
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
