"""What the report API and pages share: who may read which report, and the report service with this
worker's kept reports."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.authz import StaffRole
from stepchange.core.guards import requires_role
from stepchange.reports.cache import ReportCache
from stepchange.reports.services import ReportService

board_or_office = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR)
"""The programme's report: the board and the programme office."""
report_readers = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR, StaffRole.CO_CHAIR)
"""A work-stream's report: the board, the office and (checked per work-stream) its co-chairs."""
REPORT_CACHE = "report_cache"


async def provide_reports(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> ReportService:
    """The report service with this worker's kept reports (made on first use, from the app's settings)."""
    cache = request.app.state.get(REPORT_CACHE)
    if not isinstance(cache, ReportCache):
        cache = request.app.state[REPORT_CACHE] = ReportCache(request.app.state.settings.report_cache_seconds)
    return ReportService(db_session, cache)
