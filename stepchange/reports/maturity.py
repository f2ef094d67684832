"""The board's view of maturity: every work-stream's level in each area of the matrix, against its last
signed-off self-assessment, as JSON, a page, CSV and Excel (the evidence stays with the work-stream)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.errors import NotFound
from stepchange.core.exports import csv_response, excel_response, frame
from stepchange.governance.partnership_models import MaturityArea
from stepchange.governance.services.maturity import MaturityService, movements
from stepchange.reports.deps import board_or_office

COLUMNS = ("workstream", "workstream_name", "area", "level", "previous_level", "movement", "assessed_on", "previous_on")
HEADINGS = {
    "workstream": "Code",
    "workstream_name": "Work-stream",
    "area": "Area",
    "level": "Level",
    "previous_level": "Previous level",
    "movement": "Movement",
    "assessed_on": "Assessed on",
    "previous_on": "Previously assessed on",
}


class MaturityRow(msgspec.Struct):
    workstream: str
    workstream_name: str
    area: str
    level: int | None
    previous_level: int | None
    movement: int | None
    assessed_on: dt.date | None
    previous_on: dt.date | None


class MaturityReport(msgspec.Struct):
    items: list[MaturityRow]
    total: int


async def maturity_rows(session: AsyncSession) -> list[MaturityRow]:
    """Each work-stream, each active area: the latest signed-off level, the one before, and the movement."""
    areas = (
        await session.scalars(select(MaturityArea).where(MaturityArea.active.is_(True)).order_by(MaturityArea.position))
    ).all()
    rows = []
    for workstream, latest, previous in await MaturityService(session).board_levels():
        for move in movements(areas, latest, previous):
            rows.append(
                MaturityRow(
                    workstream=workstream.code,
                    workstream_name=workstream.name,
                    area=move.area.title,
                    level=move.level,
                    previous_level=move.previous,
                    movement=move.change,
                    assessed_on=latest.assessed_on if latest else None,
                    previous_on=previous.assessed_on if previous else None,
                )
            )
    return rows


def export(rows: list[MaturityRow], filename: str) -> Response[bytes]:
    name, _, kind = filename.lower().rpartition(".")
    if name != "maturity" or kind not in ("csv", "xlsx"):
        raise NotFound("report table", f"file name {filename!r}")
    plain = [{HEADINGS[c]: msgspec.to_builtins(getattr(r, c)) for c in COLUMNS} for r in rows]
    table = frame(plain, [HEADINGS[c] for c in COLUMNS])
    download = "step-change-maturity"
    return csv_response(table, download) if kind == "csv" else excel_response(table, download, "Maturity")


class MaturityReportController(Controller):
    path = "/api/reports/maturity"
    tags = ["Reports"]
    guards = [board_or_office]

    @get("/", summary="Every work-stream's maturity levels, against its previous self-assessment")
    async def maturity(self, db_session: NamedDependency[AsyncSession]) -> MaturityReport:
        rows = await maturity_rows(db_session)
        return MaturityReport(items=rows, total=len(rows))

    @get("/{filename:str}", summary="The maturity levels as CSV (maturity.csv) or Excel (maturity.xlsx)")
    async def download(self, db_session: NamedDependency[AsyncSession], filename: FromPath[str]) -> Response[bytes]:
        return export(await maturity_rows(db_session), filename)


class MaturityReportPages(Controller):
    path = "/reports/maturity"
    include_in_schema = False
    guards = [board_or_office]

    @get("/", name="maturity_report")
    async def page(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        rows = await maturity_rows(db_session)
        by_workstream: dict[str, list[MaturityRow]] = {}
        for row in rows:
            by_workstream.setdefault(row.workstream_name, []).append(row)
        return Template("reports/maturity.html", context={"groups": by_workstream})
