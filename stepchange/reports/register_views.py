"""The register of interests for ethics reviewers and the office: the page, the API and its downloads.

Confidential: every download is recorded in the audit trail. A long Excel download is prepared by a
background job (``reports/export_kinds.py``): the API answers 202 with the job's address, the page
sends the browser to the job's page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_303_SEE_OTHER
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff
from stepchange.core import audit, export_jobs
from stepchange.core.authz import StaffRole
from stepchange.core.database import app_database_config
from stepchange.core.export_jobs import ExportJob
from stepchange.core.exports import EXCEL_MEDIA_TYPE, csv_stream, excel_stream, read_alone
from stepchange.core.guards import requires_role
from stepchange.core.listing import Listing, read_page
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings
from stepchange.ethics.deps import provide_conflicts
from stepchange.ethics.services import ConflictService
from stepchange.reports.export_kinds import REGISTER, SHEETS, register_by_job
from stepchange.reports.register import (
    KINDS,
    REGISTER_COLUMNS,
    Position,
    RegisterFilter,
    RegisterRow,
)
from stepchange.reports.register_page import register_cells, register_page
from stepchange.reports.schemas import ExportOut

ethics_or_office = requires_role(StaffRole.ETHICS, StaffRole.COORDINATOR)
AFTER = "The rows after this position (the last row of the page before, from the `Link` header)"
BEFORE = "The rows before this position (the first row of the page after, from the `Link` header)"


def _register_download(config: SQLAlchemyAsyncConfig) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Read in a session of its own: the download is sent after the request's session (which recorded it)
    has been committed and closed."""
    return read_alone(config, register_cells)


async def _record(request: Request[Any, Any, Any], session: AsyncSession, kind: str) -> None:
    """Each download of this confidential report is recorded (committed before the file is sent)."""
    await audit.record(
        session,
        acting_staff(request),
        "ethics.register_downloaded",
        subject_type="register",
        summary=f"Register of interests downloaded as {kind}",
    )


async def register_workbook(request: Request[Any, Any, Any], session: AsyncSession) -> Stream | ExportJob:
    """The register as Excel, recorded: sent directly when short, else a job started for the asker."""
    await _record(request, session, "Excel")
    config = app_database_config(request.app)
    if not await register_by_job(session, cast(Settings, request.app.state.settings).export_direct_rows):
        return excel_stream(REGISTER_COLUMNS, _register_download(config), REGISTER, SHEETS[REGISTER].sheet)
    return await export_jobs.start(session, REGISTER, acting_staff(request).id)


def _launch(request: Request[Any, Any, Any], job: ExportJob) -> BackgroundTask:
    """The job run once the answer (and so the transaction that made the job) has gone."""
    return BackgroundTask(export_jobs.launch, app_database_config(request.app), job.id, SHEETS[job.kind])


class RegisterController(Controller):
    path = "/api/reports"
    tags = ["Ethics"]
    guards = [ethics_or_office]
    dependencies = {"conflicts": Provide(provide_conflicts)}

    @get(
        f"/{REGISTER}",
        summary="The confidential register of interests",
        description="A page by `offset`, or (quicker deep in the register) after or before a row's position: "
        "the `Link` header names the next and previous pages by position.",
    )
    async def register(
        self,
        conflicts: NamedDependency[ConflictService],
        window: NamedDependency[Window],
        after: Annotated[str | None, QueryParameter(max_length=80, description=AFTER)] = None,
        before: Annotated[str | None, QueryParameter(max_length=80, description=BEFORE)] = None,
    ) -> Response[OffsetPagination[RegisterRow]]:
        found = await register_page(
            conflicts.session,
            RegisterFilter(),
            limit=window.limit,
            offset=window.offset,
            after=Position.read(after),
            before=Position.read(before),
        )
        ends = (found.first, found.last) if found.rows else None
        links = window.positions(f"/api/reports/{REGISTER}", len(found.rows), found.total, ends)
        return Response(window.page(found.rows, found.total), headers=links)

    @get(f"/{REGISTER}.csv", summary="The register of interests as CSV", media_type="text/csv")
    async def register_csv(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Stream:
        await _record(request, conflicts.session, "CSV")
        return csv_stream(REGISTER_COLUMNS, _register_download(app_database_config(request.app)), REGISTER)

    @get(
        f"/{REGISTER}.xlsx",
        summary="The register of interests as an Excel workbook",
        description=f"Up to {Settings.export_direct_rows:,} rows (`STEPCHANGE_EXPORT_DIRECT_ROWS`) the workbook; "
        "a longer one is prepared in the background: "
        "202 Accepted with `Location` (and `status_url`) naming the job, whose address gives the file when ready.",
        media_type=EXCEL_MEDIA_TYPE,
        responses={HTTP_202_ACCEPTED: ResponseSpec(ExportOut, description="Being prepared")},
    )
    async def register_xlsx(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Response[Any]:
        made = await register_workbook(request, conflicts.session)
        if isinstance(made, Stream):
            return made
        answer = ExportOut.of(made)
        return Response(
            answer,
            status_code=HTTP_202_ACCEPTED,
            media_type="application/json",
            headers={"Location": answer.status_url, "Retry-After": "5"},
            background=_launch(request, made),
        )


class RegisterPages(Controller):
    path = "/ethics"
    include_in_schema = False
    guards = [ethics_or_office]
    dependencies = {"conflicts": Provide(provide_conflicts)}

    @get("/register", name="ethics_register")
    async def register(
        self,
        conflicts: NamedDependency[ConflictService],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        kind: Annotated[str | None, QueryParameter(max_length=40)] = None,
        page: Annotated[str | None, QueryParameter(max_length=20)] = None,
        after: Annotated[str | None, QueryParameter(max_length=80)] = None,
        before: Annotated[str | None, QueryParameter(max_length=80)] = None,
    ) -> Template:
        """A page of the register (never all of it: the downloads carry that), found by person and kind."""
        kind = kind if kind in KINDS else None
        filters = {k: v for k, v in {"q": q, "kind": kind}.items() if v}
        listing = Listing("/ethics/register", filters, "", 0, read_page(page))
        narrowed = RegisterFilter(words=q, kind=kind)
        found = await register_page(
            conflicts.session,
            narrowed,
            limit=listing.size,
            offset=listing.offset,
            after=Position.read(after),
            before=Position.read(before),
        )
        ends = (str(found.first), str(found.last)) if found.rows else None
        listing = Listing("/ethics/register", filters, "", found.total, listing.page, ends=ends)
        rows = found.rows
        context = {"rows": rows, "listing": listing, "q": q or "", "kind": kind or "", "kinds": KINDS}
        return Template("ethics/register.html", context=context)

    @get("/register.xlsx", name="ethics_register_excel")
    async def register_xlsx(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Response[Any]:
        """The workbook, or (when long) the page that says it is being prepared."""
        made = await register_workbook(request, conflicts.session)
        if isinstance(made, Stream):
            return made
        return Redirect(f"/exports/{made.id}", status_code=HTTP_303_SEE_OTHER, background=_launch(request, made))
