"""Providers of the services the programme's pages use beyond the projects' own (``projects.deps``):
its key activity, and the calls to action the home page announces."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.interest.services import CallService
from stepchange.programme.services import KeyActivityService

provide_activities = create_service_provider(KeyActivityService)
provide_calls = create_service_provider(CallService)
