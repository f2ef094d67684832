"""The desk service's provider, shared by the desk's API and pages."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.desk.services import DeskService

provide_desk = create_service_provider(DeskService)
