"""Providers of the work-stream services for controllers and pages."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.workstreams.services import WorkstreamService

provide_workstreams = create_service_provider(WorkstreamService)
