"""The board's figures as JSON, the exceptions as a list, and every report table as CSV and Excel.

Each takes the board's choices as query parameters: ``call`` (a call's id; the current call unless
given) and ``since`` (the last board meeting, ``YYYY-MM-DD``; 30 days ago unless given).
"""

from __future__ import annotations

from typing import Any

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from stepchange.core.errors import NotFound
from stepchange.core.pagination import Window
from stepchange.reports.deps import (
    Selection,
    board_or_office,
    provide_reports,
    provide_selection,
    report_of,
    report_readers,
)
from stepchange.reports.downloads import csv_response, excel_response
from stepchange.reports.schemas import Dashboard, ExceptionRow
from stepchange.reports.services import ReportService
from stepchange.reports.tables import TABLES

EXPORTS = ("csv", "xlsx")
Reports = NamedDependency[ReportService]
Chosen = NamedDependency[Selection]


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
    dependencies = {"reports": Provide(provide_reports), "selection": Provide(provide_selection)}

    @get("/dashboard", guards=[board_or_office], summary="The programme's figures")
    async def dashboard(self, request: Request[Any, Any, Any], reports: Reports, selection: Chosen) -> Dashboard:
        return await report_of(request, reports, selection)

    @get("/exceptions", guards=[board_or_office], summary="Projects needing the board's attention, and why")
    async def exceptions(
        self, request: Request[Any, Any, Any], reports: Reports, selection: Chosen, window: NamedDependency[Window]
    ) -> OffsetPagination[ExceptionRow]:
        return window.slice((await report_of(request, reports, selection)).exceptions)

    @get("/workstreams/{code:str}", guards=[report_readers], summary="One work-stream's figures")
    async def workstream(
        self, request: Request[Any, Any, Any], reports: Reports, selection: Chosen, code: FromPath[str]
    ) -> Dashboard:
        return await report_of(request, reports, selection, code)

    @get(
        "/workstreams/{code:str}/exceptions",
        guards=[report_readers],
        summary="A work-stream's projects needing attention, and why",
    )
    async def workstream_exceptions(
        self,
        request: Request[Any, Any, Any],
        reports: Reports,
        selection: Chosen,
        window: NamedDependency[Window],
        code: FromPath[str],
    ) -> OffsetPagination[ExceptionRow]:
        return window.slice((await report_of(request, reports, selection, code)).exceptions)

    @get(
        "/workstreams/{code:str}/{filename:str}",
        guards=[report_readers],
        summary="One table of a work-stream's report as CSV or Excel",
    )
    async def workstream_export(
        self,
        request: Request[Any, Any, Any],
        reports: Reports,
        selection: Chosen,
        code: FromPath[str],
        filename: FromPath[str],
    ) -> Response[bytes]:
        return export(await report_of(request, reports, selection, code), filename)

    @get("/{filename:str}", guards=[board_or_office], summary="One table of the programme's report as CSV or Excel")
    async def programme_export(
        self, request: Request[Any, Any, Any], reports: Reports, selection: Chosen, filename: FromPath[str]
    ) -> Response[bytes]:
        return export(await report_of(request, reports, selection), filename)
