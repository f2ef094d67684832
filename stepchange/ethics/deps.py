"""Providers of the ethics services, shared by the API controllers and the pages."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.ethics.services import (
    ConflictService,
    ProjectReviewService,
)

provide_conflicts = create_service_provider(ConflictService)


provide_project_reviews = create_service_provider(ProjectReviewService)
