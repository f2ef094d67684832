"""The time ledger's API: volunteers log time (``/api/me/time``), co-chairs review it (``/api/time``), the
board reads the totals (``/api/reports/time``, with CSV and Excel)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from stepchange.contributions.deps import board_or_office, provide_contributions, reviewers, volunteer_only
from stepchange.contributions.models import EntryStatus
from stepchange.contributions.report import TimeReport, time_figures
from stepchange.contributions.schemas import ReviewIn, TimeIn, TimeOut, time_out
from stepchange.contributions.services import ContributionService, EntryDraft
from stepchange.core.exports import csv_response, excel_response
from stepchange.core.guards import Principal, current_principal
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings

Ledger = NamedDependency[ContributionService]
REPORT_FILE = "step-change-time-donated"


def _actor(request: Request[Any, Any, Any]) -> Principal:
    principal = current_principal(request)
    assert principal is not None, "guarded routes always have a principal"
    return principal


class MyTimeController(Controller):
    path = "/api/me/time"
    tags = ["Volunteer self-service"]
    guards = [volunteer_only]
    dependencies = {"ledger": Provide(provide_contributions)}

    @post("/", status_code=HTTP_201_CREATED, summary="Log my time and expenses on a project for a month")
    async def log(self, request: Request[Any, Any, Any], ledger: Ledger, data: JSONBody[TimeIn]) -> Response[TimeOut]:
        """201 for a new month's entry; 200 when it changes the month's entry (until it is confirmed)."""
        draft = EntryDraft(data.project, data.month, data.hours, data.expenses_pence, data.expense_kind, data.note)
        entry, project, created = await ledger.log(_actor(request).id, draft)
        return Response(time_out(entry, project), status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/", summary="My time and expenses, newest month first")
    async def mine(
        self, request: Request[Any, Any, Any], ledger: Ledger, window: NamedDependency[Window]
    ) -> OffsetPagination[TimeOut]:
        rows, total = await ledger.mine(_actor(request).id, limit=window.limit, offset=window.offset)
        return window.page([time_out(e, p) for e, p in rows], total)


class TimeReviewController(Controller):
    path = "/api/time"
    tags = ["Time donated"]
    guards = [reviewers]
    dependencies = {"ledger": Provide(provide_contributions)}

    @get("/", summary="Time logged on your work-stream's projects (the office: all), oldest first")
    async def entries(
        self,
        request: Request[Any, Any, Any],
        ledger: Ledger,
        window: NamedDependency[Window],
        status: Annotated[EntryStatus | None, QueryParameter(description="pending, confirmed or queried")] = None,
    ) -> OffsetPagination[TimeOut]:
        rows, total = await ledger.to_review(_actor(request), status=status, limit=window.limit, offset=window.offset)
        return window.page([time_out(e, p, name) for e, p, name in rows], total)

    @post("/{entry_id:uuid}/review", status_code=HTTP_200_OK, summary="Confirm or query an entry")
    async def review(
        self, request: Request[Any, Any, Any], ledger: Ledger, entry_id: FromPath[UUID], data: JSONBody[ReviewIn]
    ) -> TimeOut:
        entry, project = await ledger.review(_actor(request), entry_id, EntryStatus(data.decision), data.note)
        return time_out(entry, project)


class TimeReportController(Controller):
    path = "/api/reports"
    tags = ["Reports"]
    guards = [board_or_office]
    dependencies = {"ledger": Provide(provide_contributions)}

    @get("/time", summary="Time donated and expenses by month, project, work-stream and sector")
    async def report(self, ledger: Ledger, settings: NamedDependency[Settings]) -> TimeReport:
        return (await time_figures(ledger.session, settings.inkind_hourly_pence)).report()

    @get("/time.csv", summary="The time report as CSV")
    async def csv(self, ledger: Ledger, settings: NamedDependency[Settings]) -> Response[bytes]:
        figures = await time_figures(ledger.session, settings.inkind_hourly_pence)
        return csv_response(figures.export(), REPORT_FILE)

    @get("/time.xlsx", summary="The time report as Excel")
    async def excel(self, ledger: Ledger, settings: NamedDependency[Settings]) -> Response[bytes]:
        figures = await time_figures(ledger.session, settings.inkind_hourly_pence)
        return excel_response(figures.export(), REPORT_FILE, "Time donated")
