"""The trend of submissions over each call's open days.

- **Daily submissions** (``daily_submissions``): expressions of interest (any status) per UK day of
  ``submitted_at``, every day from the call's opening day to its last open day (the day before it
  closes at midnight, or the day it closed early; today if it is still open), days with none
  included as 0. Late entries recorded after closing fall outside the series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from stepchange.core import clock
from stepchange.interest.models import Call, Expression
from stepchange.reports.counting import scanned
from stepchange.reports.interest import in_scope
from stepchange.reports.schemas import DailyRow
from stepchange.reports.scope import Scope


class utc_hour(FunctionElement[str]):  # noqa: N801 - a SQL function, named like one
    """A timestamp's UTC hour as text (``YYYY-MM-DD HH``) on both engines. UK days begin on whole UTC
    hours, so counts by hour add up exactly to counts by UK day."""

    type = String()
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as ISO text: the hour is its first 13 characters.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def uk_days(hours: pl.Series) -> pl.Series:
    """``YYYY-MM-DD HH`` UTC hours (an ISO ``T`` allowed) as the UK days they fall on."""
    return (
        (hours.str.replace("T", " ") + ":00")
        .str.to_datetime("%Y-%m-%d %H:%M", time_zone="UTC")
        .dt.convert_time_zone(str(clock.UK))
        .dt.date()
    )


async def daily_submissions(
    session: AsyncSession, scope: Scope, calls: Sequence[Call], today: dt.date
) -> list[DailyRow]:
    call_id, utc = scanned(Expression.call_id), utc_hour(Expression.submitted_at)
    rows = await session.execute(select(call_id, utc, func.count()).where(in_scope(scope)).group_by(call_id, utc))
    found = pl.DataFrame(
        [(str(call), hour, n) for call, hour, n in rows.all()],
        schema={"call": pl.String, "hour": pl.String, "n": pl.Int64},
        orient="row",
    )
    by_day = found.with_columns(day=uk_days(found["hour"])).group_by("call", "day").agg(submissions=pl.col("n").sum())
    return [row for call in calls for row in call_days(call, by_day, today)]


def open_days(call: Call, today: dt.date) -> list[dt.date]:
    """The UK days a call took submissions on: its opening day to its last open day (or today)."""
    first = clock.uk_day(call.opens_at)
    last = min(clock.uk_day(call.ends_at - dt.timedelta(microseconds=1)), today)
    return pl.date_range(first, last, "1d", eager=True).to_list() if first <= last else []


def call_days(call: Call, by_day: pl.DataFrame, today: dt.date) -> list[DailyRow]:
    days = pl.DataFrame({"day": open_days(call, today)}, schema={"day": pl.Date})
    mine = by_day.filter(pl.col("call") == str(call.id)).select("day", "submissions")
    counted = days.join(mine, on="day", how="left", maintain_order="left").with_columns(
        pl.col("submissions").fill_null(0)
    )
    return [DailyRow(call.name, r["day"], int(r["submissions"])) for r in counted.iter_rows(named=True)]
