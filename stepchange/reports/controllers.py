"""The board's figures as JSON, and every report table as CSV and Excel (counts only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.authz import StaffRole, runs_workstream
from stepchange.core.errors import NotAllowed, NotFound
from stepchange.core.exports import csv_response, excel_response
from stepchange.core.guards import current_principal, requires_role
from stepchange.reports.cache import ReportCache
from stepchange.reports.schemas import Dashboard
from stepchange.reports.services import ReportService, Scope
from stepchange.reports.tables import TABLES
from stepchange.workstreams.services import WorkstreamService

board_or_office = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR)
"""The programme's report: the board and the programme office."""
report_readers = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR, StaffRole.CO_CHAIR)
"""A work-stream's report: the board, the office and (checked per work-stream) its co-chairs."""
EXPORTS = ("csv", "xlsx")
REPORT_CACHE = "report_cache"


async def provide_reports(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> ReportService:
    """The report service with this worker's kept reports (made on first use, from the app's settings)."""
    cache = request.app.state.get(REPORT_CACHE)
    if not isinstance(cache, ReportCache):
        cache = request.app.state[REPORT_CACHE] = ReportCache(request.app.state.settings.report_cache_seconds)
    return ReportService(db_session, cache)


async def workstream_scope(request: Request[Any, Any, Any], reports: ReportService, code: str) -> Scope:
    """One work-stream's report, for the board, the office and that work-stream's co-chairs only."""
    workstream = await WorkstreamService(session=reports.session).by_code(code)
    principal = current_principal(request)
    if principal is None or not (principal.role == StaffRole.BOARD or runs_workstream(principal, workstream.id)):
        raise NotAllowed(
            "Only the programme board, the programme office and this work-stream's co-chairs see its report"
        )
    return Scope(workstream)


def export(report: Dashboard, filename: str) -> Response[bytes]:
    """``{table}.csv`` or ``{table}.xlsx`` of this report."""
    name, _, kind = filename.lower().rpartition(".")
    table = TABLES.get(name)
    if table is None or kind not in EXPORTS:
        raise NotFound("report table", f"file name {filename!r}")
    data, download = table.export(report), f"step-change-{report.scope.lower()}-{name}"
    return csv_response(data, download) if kind == "csv" else excel_response(data, download, table.title)


class ReportController(Controller):
    path = "/api/reports"
    tags = ["Reports"]
    dependencies = {"reports": Provide(provide_reports)}

    @get("/dashboard", guards=[board_or_office], summary="The programme's figures")
    async def dashboard(self, reports: NamedDependency[ReportService]) -> Dashboard:
        return await reports.dashboard(Scope())

    @get("/workstreams/{code:str}", guards=[report_readers], summary="One work-stream's figures")
    async def workstream(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], code: FromPath[str]
    ) -> Dashboard:
        return await reports.dashboard(await workstream_scope(request, reports, code))

    @get(
        "/workstreams/{code:str}/{filename:str}",
        guards=[report_readers],
        summary="One table of a work-stream's report as CSV or Excel",
    )
    async def workstream_export(
        self,
        request: Request[Any, Any, Any],
        reports: NamedDependency[ReportService],
        code: FromPath[str],
        filename: FromPath[str],
    ) -> Response[bytes]:
        return export(await reports.dashboard(await workstream_scope(request, reports, code)), filename)

    @get("/{filename:str}", guards=[board_or_office], summary="One table of the programme's report as CSV or Excel")
    async def programme_export(
        self, reports: NamedDependency[ReportService], filename: FromPath[str]
    ) -> Response[bytes]:
        return export(await reports.dashboard(Scope()), filename)
