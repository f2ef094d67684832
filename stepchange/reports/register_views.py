"""The register of interests for ethics reviewers and the office: the page, the API and its downloads.

Confidential: every download is recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff
from stepchange.core import audit
from stepchange.core.authz import StaffRole
from stepchange.core.database import app_database_config
from stepchange.core.exports import EXCEL_MEDIA_TYPE, csv_stream, excel_stream, read_alone
from stepchange.core.guards import requires_role
from stepchange.core.listing import Listing, read_page
from stepchange.core.pagination import Window
from stepchange.core.templating import uk_datetime
from stepchange.ethics.deps import provide_conflicts
from stepchange.ethics.services import ConflictService
from stepchange.reports.register import KINDS, REGISTER_COLUMNS, RegisterFilter, RegisterRow
from stepchange.reports.register_page import register_chunks, register_page

REGISTER = "register-of-interests"
ethics_or_office = requires_role(StaffRole.ETHICS, StaffRole.COORDINATOR)


def _cells(row: RegisterRow) -> list[Any]:
    """A register row as a download's cells, times in UK time as people read them."""
    return [
        str(row.volunteer_id),
        row.volunteer,
        row.volunteer_organisation,
        uk_datetime(row.declared_at),
        row.kind,
        row.declared_organisation,
        row.description,
        row.projects,
        row.state,
        row.reason,
        row.mitigation,
        row.reviewed_by,
        uk_datetime(row.reviewed_at),
    ]


async def _register_cells(session: AsyncSession) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The whole register a chunk at a time, as the downloads' cells."""
    async for chunk in register_chunks(session, RegisterFilter()):
        yield [_cells(row) for row in chunk]


def _register_download(config: SQLAlchemyAsyncConfig) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Read in a session of its own: the download is sent after the request's session (which recorded it)
    has been committed and closed."""
    return read_alone(config, _register_cells)


class RegisterController(Controller):
    path = "/api/reports"
    tags = ["Ethics"]
    guards = [ethics_or_office]
    dependencies = {"conflicts": Provide(provide_conflicts)}

    @get(f"/{REGISTER}", summary="The confidential register of interests")
    async def register(
        self, conflicts: NamedDependency[ConflictService], window: NamedDependency[Window]
    ) -> OffsetPagination[RegisterRow]:
        rows, total = await register_page(conflicts.session, RegisterFilter(), limit=window.limit, offset=window.offset)
        return window.page(rows, total)

    @get(f"/{REGISTER}.csv", summary="The register of interests as CSV", media_type="text/csv")
    async def register_csv(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Stream:
        await self._record(request, conflicts, "CSV")
        return csv_stream(REGISTER_COLUMNS, _register_download(app_database_config(request.app)), REGISTER)

    @get(
        f"/{REGISTER}.xlsx",
        summary="The register of interests as an Excel workbook",
        media_type=EXCEL_MEDIA_TYPE,
    )
    async def register_xlsx(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Stream:
        await self._record(request, conflicts, "Excel")
        cells = _register_download(app_database_config(request.app))
        return excel_stream(REGISTER_COLUMNS, cells, REGISTER, "Register of interests")

    async def _record(self, request: Request[Any, Any, Any], conflicts: ConflictService, kind: str) -> None:
        """Each download of this confidential report is recorded (committed before the file is sent)."""
        await audit.record(
            conflicts.session,
            acting_staff(request),
            "ethics.register_downloaded",
            subject_type="register",
            summary=f"Register of interests downloaded as {kind}",
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
    ) -> Template:
        """A page of the register (never all of it: the downloads carry that), found by person and kind."""
        kind = kind if kind in KINDS else None
        filters = {k: v for k, v in {"q": q, "kind": kind}.items() if v}
        listing = Listing("/ethics/register", filters, "", 0, read_page(page))
        narrowed = RegisterFilter(words=q, kind=kind)
        rows, total = await register_page(conflicts.session, narrowed, limit=listing.size, offset=listing.offset)
        listing = Listing("/ethics/register", filters, "", total, listing.page)
        context = {"rows": rows, "listing": listing, "q": q or "", "kind": kind or "", "kinds": KINDS}
        return Template("ethics/register.html", context=context)
