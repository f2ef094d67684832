"""The board's reports as pages: each figure a chart (SVG made on the server), its one-line summary,
its data as a table, and links to the table as CSV and Excel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup

from stepchange.accounts.guards import acting_staff
from stepchange.core.authz import StaffRole
from stepchange.core.errors import NotAllowed
from stepchange.core.guards import current_principal, requires_role
from stepchange.core.web import see_other
from stepchange.reports.charts import chart_svg
from stepchange.reports.deps import board_or_office, provide_reports, report_readers
from stepchange.reports.schemas import Dashboard
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService
from stepchange.reports.tables import TABLES, Table, display, is_number
from stepchange.workstreams.models import Workstream

Cell = tuple[str, bool]
"""A cell's text, and whether it is a number (right-aligned)."""


@dataclass(frozen=True)
class FigureView:
    """One figure as the page shows it."""

    table: Table
    summary: str
    svg: Markup | None
    headings: list[Cell]
    rows: list[list[Cell]]
    csv: str
    xlsx: str


def cells(table: Table, report: Dashboard) -> tuple[list[Cell], list[list[Cell]]]:
    rows = table.dicts(report)
    numeric = {key: any(is_number(r[key]) for r in rows) for key in table.keys}
    headings = [(heading, numeric[key]) for key, heading in table.columns]
    return headings, [[(display(r[key]), numeric[key]) for key in table.keys] for r in rows]


async def figures(report: Dashboard, exports: str) -> list[FigureView]:
    views = []
    for table in TABLES.values():
        summary = report.summaries[table.figure]
        headings, rows = cells(table, report)
        views.append(
            FigureView(
                table=table,
                summary=summary,
                svg=await chart_svg(table.name, table.chart_data(report), summary),
                headings=headings,
                rows=rows,
                csv=f"{exports}/{table.name}.csv",
                xlsx=f"{exports}/{table.name}.xlsx",
            )
        )
    return views


async def report_page(report: Dashboard, title: str, exports: str, workstream: Workstream | None) -> Template:
    context = {
        "title": title,
        "report": report,
        "workstream": workstream,
        "figures": await figures(report, exports),
    }
    return Template("reports/dashboard.html", context=context)


class ReportPages(Controller):
    path = "/reports"
    include_in_schema = False
    dependencies = {"reports": Provide(provide_reports)}

    @get("/", name="reports", guards=[board_or_office])
    async def programme(self, reports: NamedDependency[ReportService]) -> Template:
        report = await reports.dashboard(Scope())
        return await report_page(report, "Programme dashboard", "/api/reports", None)

    @get("/my-workstream", name="my_workstream_report", guards=[requires_role(StaffRole.CO_CHAIR)])
    async def mine(self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService]) -> Redirect:
        """A co-chair's way to their own work-stream's report (the navigation's "Reports")."""
        workstream_id = acting_staff(request).workstream_id
        workstream = await reports.session.get(Workstream, workstream_id) if workstream_id else None
        if workstream is None:
            raise NotAllowed("You are not a co-chair of any work-stream")
        return see_other(f"/reports/workstreams/{workstream.code}")

    @get("/workstreams/{code:str}", name="workstream_report", guards=[report_readers])
    async def workstream(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], code: FromPath[str]
    ) -> Template:
        scope = await reports.workstream_scope(current_principal(request), code)
        workstream = scope.workstream
        assert workstream is not None
        report = await reports.dashboard(scope)
        exports = f"/api/reports/workstreams/{workstream.code}"
        return await report_page(report, f"{workstream.name}: work-stream report", exports, workstream)
