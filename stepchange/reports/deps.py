"""What the report API and pages share: who may read which report, the report service with this worker's
kept reports, and the board's two choices (which call, and since when) as every door reads them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.authz import StaffRole
from stepchange.core.guards import current_principal, requires_role
from stepchange.reports.cache import ReportCache
from stepchange.reports.schemas import Dashboard
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService

board_or_office = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR)
"""The programme's report: the board and the programme office."""
report_readers = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR, StaffRole.CO_CHAIR)
"""A work-stream's report: the board, the office and (checked per work-stream) its co-chairs."""
REPORT_CACHE = "report_cache"


@dataclass(frozen=True)
class Selection:
    """The call the board chose to read about (``None``: the current call) and the date of its last
    meeting (``None``: 30 days ago)."""

    call: UUID | None = None
    since: dt.date | None = None

    def query(self) -> str:
        """The choice as a query string for links (``?call=…&since=…``), empty for the defaults."""
        parts = [f"call={self.call}"] if self.call else []
        parts += [f"since={self.since.isoformat()}"] if self.since else []
        return f"?{'&'.join(parts)}" if parts else ""


async def provide_reports(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> ReportService:
    """The report service with this worker's kept reports (made on first use, from the app's settings)."""
    settings = request.app.state.settings
    cache = request.app.state.get(REPORT_CACHE)
    if not isinstance(cache, ReportCache):
        cache = request.app.state[REPORT_CACHE] = ReportCache(settings.report_cache_seconds)
    return ReportService(db_session, cache, stale_days=settings.stale_days)


async def provide_selection(
    call: Annotated[UUID | None, QueryParameter(description="A call's id; default: the current call")] = None,
    since: Annotated[
        dt.date | None, QueryParameter(description="The last board meeting (YYYY-MM-DD); default: 30 days ago")
    ] = None,
) -> Selection:
    return Selection(call, since)


async def scope_of(request: Request[Any, Any, Any], reports: ReportService, code: str | None) -> Scope:
    """The programme (no code), or the work-stream the signed-in person may read the report of."""
    return Scope() if code is None else await reports.workstream_scope(current_principal(request), code)


async def report_of(
    request: Request[Any, Any, Any], reports: ReportService, selection: Selection, code: str | None = None
) -> Dashboard:
    """The report the request asks for: the programme's or a work-stream's, for the board's choices."""
    return await reports.dashboard(await scope_of(request, reports, code), selection.call, selection.since)
