"""The trend of the report's call: submissions and validations, day by day and so far.

- **Submissions and validations over the call** (``call_trend``), for the report's call (a
  work-stream's report: people who chose one of its projects in it): each UK day on which someone
  submitted an expression of interest in the call (any status, late entries included, on the day
  recorded) or someone who had was validated, with that day's counts and the running totals.
  A person counts as validated on the day of their latest validation, or on the day they submitted
  if they were validated before (someone already known joins the call validated); only people
  validated now count. Days with neither are left out of the table (the running totals say what
  the days between held); the series runs from the call's first such day to its last (up to today).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import String, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from stepchange.core import clock
from stepchange.interest.models import Call, Expression
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.reports.counting import scanned
from stepchange.reports.interest import in_scope
from stepchange.reports.schemas import CallDayRow
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


async def call_trend(session: AsyncSession, scope: Scope, call: Call | None) -> list[CallDayRow]:
    if call is None:
        return []
    hour = utc_hour(Expression.submitted_at)
    submitted = await session.execute(
        select(hour, func.count()).where(Expression.call_id == call.id, in_scope(scope)).group_by(hour)
    )
    validated = await session.execute(_validations(scope, call))
    return trend_rows(by_day(submitted.all(), "submitted"), by_day(validated.all(), "validated"))


def _validations(scope: Scope, call: Call) -> Any:
    """``(UTC hour, people)`` of the call's people validated now, by the hour they count from: read from
    the people's identity index, through their expressions (``scanned``: SQLite would otherwise take the
    unique index on person and call, which lacks the submission time), to their validation steps."""
    latest = (
        select(Expression.submitted_at.label("submitted_at"), func.max(IdentityStep.created_at).label("at"))
        .select_from(Volunteer)
        .join(Expression, and_(Expression.volunteer_id == Volunteer.id, scanned(Expression.call_id) == call.id))
        .join(
            IdentityStep,
            and_(IdentityStep.volunteer_id == Volunteer.id, IdentityStep.step == Identity.VALIDATED),
        )
        .where(Volunteer.identity == Identity.VALIDATED, in_scope(scope))
        .group_by(scanned(Volunteer.id), Expression.submitted_at)
        .subquery()
    )
    counted_from = case((latest.c.at > latest.c.submitted_at, latest.c.at), else_=latest.c.submitted_at)
    hour = utc_hour(counted_from)
    return select(hour, func.count()).group_by(hour)


def by_day(rows: Sequence[Any], name: str) -> pl.DataFrame:
    """``(UTC hour, n)`` rows as counts by UK day."""
    found = pl.DataFrame([tuple(r) for r in rows], schema={"hour": pl.String, name: pl.Int64}, orient="row")
    return found.with_columns(day=uk_days(found["hour"])).group_by("day").agg(pl.col(name).sum())


def trend_rows(submitted: pl.DataFrame, validated: pl.DataFrame) -> list[CallDayRow]:
    days = (
        submitted.join(validated, on="day", how="full", coalesce=True)
        .fill_null(0)
        .sort("day")
        .with_columns(submitted_to_date=pl.col("submitted").cum_sum(), validated_to_date=pl.col("validated").cum_sum())
    )
    return [CallDayRow(**row) for row in days.select(*CallDayRow.__struct_fields__).iter_rows(named=True)]
