"""Providers of the project services for controllers and pages."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.projects.milestones import MilestoneService
from stepchange.projects.services import ProjectService

provide_projects = create_service_provider(ProjectService)
provide_milestones = create_service_provider(MilestoneService)
