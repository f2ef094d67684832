"""The board's time report: hours and unreimbursed expenses by month, project, work-stream and the sector
of the giver's organisation, confirmed and pending, with an in-kind value at the office's hourly rate
(``STEPCHANGE_INKIND_HOURLY_PENCE``; 0 shows none). One grouped query; polars does the rest."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import polars as pl
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from stepchange.contributions.models import EntryStatus, TimeEntry
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.workstreams.models import Workstream

GROUPS = {"month": "by_month", "workstream": "by_workstream", "project": "by_project", "sector": "by_sector"}
COLUMNS = (
    "month",
    "workstream",
    "project",
    "sector",
    "confirmed_hours",
    "pending_hours",
    "confirmed_expenses_pence",
    "pending_expenses_pence",
    "inkind_value_pence",
)
SUMS = ("confirmed_minutes", "pending_minutes", "confirmed_expenses_pence", "pending_expenses_pence")


class TimeRow(msgspec.Struct):
    """One group's totals; ``inkind_value_pence`` is the confirmed hours at the office's rate (or null)."""

    key: str
    confirmed_hours: float
    pending_hours: float
    confirmed_expenses_pence: int
    pending_expenses_pence: int
    inkind_value_pence: int | None


class TimeReport(msgspec.Struct):
    hourly_pence: int | None
    totals: TimeRow
    by_month: list[TimeRow]
    by_workstream: list[TimeRow]
    by_project: list[TimeRow]
    by_sector: list[TimeRow]


@dataclass(frozen=True)
class TimeFigures:
    """The grouped rows (one per month, work-stream, project and sector) and the rate they were valued at."""

    table: pl.DataFrame
    hourly_pence: int

    def rows(self, by: list[str]) -> pl.DataFrame:
        summed = (
            self.table.group_by(by).agg(pl.col(c).sum() for c in SUMS).sort(by)
            if by
            else self.table.select(pl.col(c).sum() for c in SUMS)
        )
        return summed.with_columns(
            (pl.col("confirmed_minutes") / 60).alias("confirmed_hours"),
            (pl.col("pending_minutes") / 60).alias("pending_hours"),
            (
                (pl.col("confirmed_minutes") * self.hourly_pence / 60).round(0).cast(pl.Int64)
                if self.hourly_pence
                else pl.lit(None, dtype=pl.Int64)
            ).alias("inkind_value_pence"),
        )

    def report(self) -> TimeReport:
        def as_rows(by: str | None) -> list[TimeRow]:
            return [
                TimeRow(
                    key=str(r[by]) if by else "all",
                    confirmed_hours=r["confirmed_hours"],
                    pending_hours=r["pending_hours"],
                    confirmed_expenses_pence=r["confirmed_expenses_pence"],
                    pending_expenses_pence=r["pending_expenses_pence"],
                    inkind_value_pence=r["inkind_value_pence"],
                )
                for r in self.rows([by] if by else []).iter_rows(named=True)
            ]

        return TimeReport(
            hourly_pence=self.hourly_pence or None,
            totals=as_rows(None)[0],
            **{name: as_rows(by) for by, name in GROUPS.items()},
        )

    def export(self) -> pl.DataFrame:
        """Every month, work-stream, project and sector as one table for CSV and Excel."""
        return self.rows(["month", "workstream", "project", "sector"]).select(COLUMNS)


async def time_figures(session: AsyncSession, hourly_pence: int) -> TimeFigures:
    confirmed = TimeEntry.status == EntryStatus.CONFIRMED

    def total(column: InstrumentedAttribute[int], when_confirmed: bool) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((confirmed if when_confirmed else ~confirmed, column), else_=0)), 0)

    rows = await session.execute(
        select(
            TimeEntry.month,
            Workstream.code,
            Project.code,
            Volunteer.sector,
            total(TimeEntry.minutes, True),
            total(TimeEntry.minutes, False),
            total(TimeEntry.expenses_pence, True),
            total(TimeEntry.expenses_pence, False),
        )
        .join(Project, TimeEntry.project_id == Project.id)
        .join(Workstream, Project.workstream_id == Workstream.id)
        .join(Volunteer, TimeEntry.volunteer_id == Volunteer.id)
        .group_by(TimeEntry.month, Workstream.code, Project.code, Volunteer.sector)
    )
    names = ("month", "workstream", "project", "sector", *SUMS)
    data = [dict(zip(names, (f"{r[0]:%Y-%m}", *r[1:]), strict=True)) for r in rows.all()]
    schema = dict.fromkeys(names[:4], pl.String) | dict.fromkeys(SUMS, pl.Int64)
    return TimeFigures(pl.DataFrame(data, schema=schema), hourly_pence)
