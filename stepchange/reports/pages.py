"""The board's reports as pages and as a PDF board pack: what needs attention first, what changed since
the last board meeting, then each figure as a chart (SVG made on the server) with its one-sentence
summary, its data as a table, and links to the table as CSV and Excel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff
from stepchange.contributions.report import TimeReport, time_figures
from stepchange.core.authz import StaffRole
from stepchange.core.errors import FieldError, InvalidInput, NotAllowed
from stepchange.core.forms import date_as_typed, date_values, form_date, form_uuid
from stepchange.core.guards import requires_role
from stepchange.core.settings import Settings
from stepchange.core.templating import uk_date
from stepchange.core.web import see_other
from stepchange.interest.models import Call
from stepchange.reports.charts import chart_svg
from stepchange.reports.deps import Selection, board_or_office, provide_reports, report_readers, scope_of
from stepchange.reports.pack import board_pack
from stepchange.reports.schemas import ChangeRow, Dashboard
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService
from stepchange.reports.tables import FIGURES, TABLES, Table
from stepchange.workstreams.models import Workstream

Cell = tuple[str, bool]
"""A cell's text, and whether it is a number (right-aligned)."""
SINCE_LABEL = "The date of the last board meeting"


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

    @property
    def noun(self) -> str:
        """The table's title inside a sentence: "Download projects by RAG as CSV"."""
        title = self.table.title
        return title if title[1:2].isupper() else title[:1].lower() + title[1:]


@dataclass(frozen=True)
class ReportView:
    """Everything a report page (or its PDF) shows."""

    title: str
    report: Dashboard
    workstream: Workstream | None
    base: str
    """The page's address (``/reports`` or ``/reports/workstreams/T``)."""
    exports: str
    """Where its tables download from (``/api/reports`` or ``/api/reports/workstreams/T``)."""
    selection: Selection
    figures: list[FigureView]
    lists: dict[str, FigureView]
    """The exceptions and the changes, as tables to download."""

    @property
    def pack(self) -> str:
        return f"{self.base}/board-pack.pdf{self.selection.query()}"

    @property
    def change_groups(self) -> list[ChangeGroup]:
        """The changes by what they happened to (a project, a work-stream, the programme), the most
        recently changed first, each one's changes newest first."""
        report, groups = self.report, dict[str, ChangeGroup]()
        for change in report.changes:
            if change.project:
                key, label = change.project, f"{change.project}: {report.project_titles.get(change.project, '')}"
            elif change.workstream:
                key, label = change.workstream, report.workstream_names.get(change.workstream, change.workstream)
            else:
                key, label = "", "The programme"
            groups.setdefault(key, ChangeGroup(label, change.project, [])).changes.append(change)
        return list(groups.values())


@dataclass(frozen=True)
class ChangeGroup:
    label: str
    project: str | None
    changes: list[ChangeRow]


def cells(table: Table, report: Dashboard) -> tuple[list[Cell], list[list[Cell]]]:
    columns, rows = table.columns_of(report), table.dicts(report)
    headings = [(c.heading, c.numeric) for c in columns]
    return headings, [[(c.text(r, report), c.numeric) for c in columns] for r in rows]


async def figure(table: Table, report: Dashboard, exports: str, query: str, *, chart: bool = True) -> FigureView:
    summary = report.summaries[table.figure]
    headings, rows = cells(table, report)
    svg = await chart_svg(table.name, table.chart_data(report), summary) if chart else None
    return FigureView(
        table, summary, svg, headings, rows, f"{exports}/{table.name}.csv{query}", f"{exports}/{table.name}.xlsx{query}"
    )


async def report_view(
    report: Dashboard, title: str, base: str, exports: str, workstream: Workstream | None, selection: Selection
) -> ReportView:
    query = selection.query()
    figures = [await figure(t, report, exports, query) for t in FIGURES]
    lists = {
        name: await figure(TABLES[name], report, exports, query, chart=False) for name in ("exceptions", "changes")
    }
    return ReportView(title, report, workstream, base, exports, selection, figures, lists)


def read_selection(request: Request[Any, Any, Any]) -> tuple[Selection, list[FieldError], dict[str, str]]:
    """The board's choices from the page's form (or a link): errors to show for what cannot be read,
    and the date's boxes as typed."""
    form = dict(request.query_params)
    errors: list[FieldError] = []
    call = form_uuid(str(form.get("call") or ""))
    if form.get("call") and call is None:
        errors.append(FieldError("call", "Choose a call from the list"))
    typed = date_as_typed(form, "since")
    try:
        since = form_date(form, "since", SINCE_LABEL) or _iso_date(str(form.get("since") or ""))
    except InvalidInput as exc:
        errors += exc.errors
        since = None
    except OverflowError:
        errors.append(FieldError("since", f"{SINCE_LABEL} must be a real date, like 27 3 2027"))
        since = None
    return Selection(call, since), errors, typed


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidInput.one("since", f"{SINCE_LABEL} must be a real date, like 27 3 2027") from None


async def counted(
    reports: ReportService, scope: Scope, request: Request[Any, Any, Any]
) -> tuple[Dashboard, Selection, list[FieldError], dict[str, str]]:
    """The report for the board's choices; a choice that breaks a rule is shown as an error beside the
    report for the defaults."""
    selection, errors, typed = read_selection(request)
    try:
        report = await reports.dashboard(scope, selection.call, selection.since)
    except InvalidInput as exc:
        errors += exc.errors
        selection = Selection(selection.call, None)
        report = await reports.dashboard(scope, selection.call, None)
    return report, selection, errors, typed


async def report_page(
    request: Request[Any, Any, Any], reports: ReportService, scope: Scope, title: str, base: str, exports: str
) -> Template:
    report, selection, errors, typed = await counted(reports, scope, request)
    view = await report_view(report, title, base, exports, scope.workstream, selection)
    context = {
        "report_view": view,
        "title": title,
        "report": report,
        "workstream": scope.workstream,
        "figures": view.figures,
        "base": base,
        "pack": view.pack,
        "call_items": call_items(await reports.calls(scope), report, selection),
        "errors": errors,
        "since_boxes": typed if errors else date_values(report.since),
        "time_report": None if scope.workstream else await time_report(request, reports.session),
    }
    return Template("reports/dashboard.html", context=context)


async def time_report(request: Request[Any, Any, Any], session: AsyncSession) -> TimeReport:
    """The time donated section (programme scope only), at the office's in-kind rate."""
    settings: Settings = request.app.state.settings
    return (await time_figures(session, settings.inkind_hourly_pence)).report()


def call_items(calls: Sequence[Call], report: Dashboard, selection: Selection) -> list[dict[str, Any]]:
    """The calls to choose from, newest first: the current one first of all, chosen by leaving it be."""
    current = report.current_call
    items: list[dict[str, Any]] = [
        {"value": "", "text": f"The current call: {current.name}" if current else "The current call (none yet)"}
    ]
    for call in sorted(calls, key=lambda c: c.opens_at, reverse=True):
        if current is not None and call.id == current.id:
            continue
        when = f"{uk_date(call.opens_at)} to {uk_date(call.ends_at - dt.timedelta(microseconds=1))}"
        items.append({"value": str(call.id), "text": f"{call.name} ({when})", "selected": call.id == selection.call})
    return items


async def pack_response(
    request: Request[Any, Any, Any], reports: ReportService, scope: Scope, title: str, base: str, exports: str
) -> Response[bytes]:
    report, selection, errors, _ = await counted(reports, scope, request)
    if errors:
        raise InvalidInput(errors)
    view = await report_view(report, title, base, exports, scope.workstream, selection)
    filename = f"step-change-{report.scope.lower()}-board-pack-{report.generated_on.isoformat()}.pdf"
    return Response(
        await board_pack(request, view),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ReportPages(Controller):
    path = "/reports"
    include_in_schema = False
    dependencies = {"reports": Provide(provide_reports)}

    @get("/", name="reports", guards=[board_or_office])
    async def programme(self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService]) -> Template:
        return await report_page(request, reports, Scope(), "The board's report", "/reports", "/api/reports")

    @get("/board-pack.pdf", name="board_pack", guards=[board_or_office])
    async def programme_pack(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService]
    ) -> Response[bytes]:
        return await pack_response(request, reports, Scope(), "The board's report", "/reports", "/api/reports")

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
        scope = await scope_of(request, reports, code)
        return await report_page(request, reports, scope, *_workstream_titles(scope))

    @get("/workstreams/{code:str}/board-pack.pdf", name="workstream_pack", guards=[report_readers])
    async def workstream_pack(
        self, request: Request[Any, Any, Any], reports: NamedDependency[ReportService], code: FromPath[str]
    ) -> Response[bytes]:
        scope = await scope_of(request, reports, code)
        return await pack_response(request, reports, scope, *_workstream_titles(scope))


def _workstream_titles(scope: Scope) -> tuple[str, str, str]:
    workstream = scope.workstream
    assert workstream is not None
    return (
        f"{workstream.name}: work-stream report",
        f"/reports/workstreams/{workstream.code}",
        f"/api/reports/workstreams/{workstream.code}",
    )
