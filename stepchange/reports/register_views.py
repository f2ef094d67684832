"""The register of interests for ethics reviewers and the office: the page, the API and its downloads.

Confidential: every download is recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import polars as pl
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Template

from stepchange.accounts.guards import acting_staff
from stepchange.core import audit
from stepchange.core.authz import StaffRole
from stepchange.core.exports import csv_response, excel_response, frame
from stepchange.core.guards import requires_role
from stepchange.core.listing import Listing, read_page
from stepchange.core.pagination import Window
from stepchange.core.templating import uk_datetime
from stepchange.ethics.deps import provide_conflicts
from stepchange.ethics.services import ConflictService
from stepchange.reports.register import RegisterRow, register_of_interests
from stepchange.reports.register_page import KINDS, register_page

REGISTER = "register-of-interests"
ethics_or_office = requires_role(StaffRole.ETHICS, StaffRole.COORDINATOR)


REGISTER_COLUMNS = tuple(RegisterRow.__dataclass_fields__)


def _spreadsheet_rows(rows: list[RegisterRow]) -> list[dict[str, Any]]:
    """Register rows with times in UK time, as people read them."""
    return [
        {
            **asdict(r),
            "volunteer_id": str(r.volunteer_id),
            "declared_at": uk_datetime(r.declared_at),
            "reviewed_at": uk_datetime(r.reviewed_at),
        }
        for r in rows
    ]


class RegisterController(Controller):
    path = "/api/reports"
    tags = ["Ethics"]
    guards = [ethics_or_office]
    dependencies = {"conflicts": Provide(provide_conflicts)}

    @get(f"/{REGISTER}", summary="The confidential register of interests")
    async def register(
        self, conflicts: NamedDependency[ConflictService], window: NamedDependency[Window]
    ) -> OffsetPagination[RegisterRow]:
        return window.slice(await register_of_interests(conflicts))

    @get(f"/{REGISTER}.csv", summary="The register of interests as CSV")
    async def register_csv(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Response[bytes]:
        table = await self._table(request, conflicts, "CSV")
        return csv_response(table, REGISTER)

    @get(f"/{REGISTER}.xlsx", summary="The register of interests as an Excel workbook")
    async def register_xlsx(
        self, request: Request[Any, Any, Any], conflicts: NamedDependency[ConflictService]
    ) -> Response[bytes]:
        table = await self._table(request, conflicts, "Excel")
        return excel_response(table, REGISTER, "Register of interests")

    async def _table(self, request: Request[Any, Any, Any], conflicts: ConflictService, kind: str) -> pl.DataFrame:
        """The register as a table; each download of this confidential report is recorded."""
        rows = _spreadsheet_rows(await register_of_interests(conflicts))
        await audit.record(
            conflicts.session,
            acting_staff(request),
            "ethics.register_downloaded",
            subject_type="register",
            summary=f"Register of interests downloaded as {kind}",
        )
        return frame(rows, REGISTER_COLUMNS)


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
        rows, total = await register_page(conflicts, words=q, kind=kind, limit=listing.size, offset=listing.offset)
        listing = Listing("/ethics/register", filters, "", total, listing.page)
        context = {"rows": rows, "listing": listing, "q": q or "", "kind": kind or "", "kinds": KINDS}
        return Template("ethics/register.html", context=context)
