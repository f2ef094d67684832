"""The board's figures as JSON, and every report table as CSV and Excel (counts only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from stepchange.core.errors import NotFound
from stepchange.core.exports import csv_response, excel_response
from stepchange.core.guards import current_principal
from stepchange.reports.deps import board_or_office, provide_reports, report_readers
from stepchange.reports.schemas import Dashboard
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService
from stepchange.reports.tables import TABLES

EXPORTS = ("csv", "xlsx")


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
        return await reports.dashboard(await reports.workstream_scope(current_principal(request), code))

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
        return export(
            await reports.dashboard(await reports.workstream_scope(current_principal(request), code)), filename
        )

    @get("/{filename:str}", guards=[board_or_office], summary="One table of the programme's report as CSV or Excel")
    async def programme_export(
        self, reports: NamedDependency[ReportService], filename: FromPath[str]
    ) -> Response[bytes]:
        return export(await reports.dashboard(Scope()), filename)
