"""Providers of the programme's own services (its key activity); the pages also use the projects' and
the calls' providers from ``projects.deps`` and ``interest.deps``."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.programme.services import KeyActivityService

provide_activities = create_service_provider(KeyActivityService)
