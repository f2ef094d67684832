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

from typing import Any

import polars as pl
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from stepchange.core import clock
from stepchange.core.sql import scanned
from stepchange.interest.models import Call, Expression
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.reports.counting import by_day, utc_hour
from stepchange.reports.interest import in_scope
from stepchange.reports.schemas import CallDayRow
from stepchange.reports.scope import Scope

MOST_DAYS = 400
"""The most UK days a call's submissions are counted over day by day (beyond, by hour)."""


async def call_trend(session: AsyncSession, scope: Scope, call: Call | None) -> list[CallDayRow]:
    if call is None:
        return []
    submitted = await (
        _submissions_by_day(session, call) if scope.workstream is None else _submissions_by_hour(session, scope, call)
    )
    validated = await session.execute(_validations(scope, call))
    return trend_rows(submitted, by_day(validated.all(), "validated"))


async def _submissions_by_hour(session: AsyncSession, scope: Scope, call: Call) -> pl.DataFrame:
    hour = utc_hour(Expression.submitted_at)
    rows = await session.execute(
        select(hour, func.count()).where(Expression.call_id == call.id, in_scope(scope)).group_by(hour)
    )
    return by_day(rows.all(), "submitted")


async def _submissions_by_day(session: AsyncSession, call: Call) -> pl.DataFrame:
    """Every submission to the call, by UK day: each day a range count on the index of submissions by call
    and time (several times quicker than grouping every submission), in one statement. A call whose
    submissions span more than :data:`MOST_DAYS` days is grouped by hour instead."""
    mine, at = Expression.call_id == call.id, Expression.submitted_at
    # Two lookups at the ends of the index (asked together, SQLite would read every entry between).
    earliest, latest = (select(bound(at)).where(mine).scalar_subquery() for bound in (func.min, func.max))
    first, last = (await session.execute(select(earliest, latest))).one()
    if first is None or last is None or (clock.uk_day(last) - clock.uk_day(first)).days > MOST_DAYS:
        return await _submissions_by_hour(session, Scope(), call)
    days = pl.date_range(clock.uk_day(first), clock.uk_day(last), "1d", eager=True).to_list()
    counts = [
        select(func.count()).where(mine, at >= clock.start_of_day_uk(day), at < clock.end_of_day_uk(day))
        for day in days
    ]
    found = (await session.execute(select(*(count.scalar_subquery() for count in counts)))).one()
    table = pl.DataFrame({"day": days, "submitted": list(found)}, schema={"day": pl.Date, "submitted": pl.Int64})
    return table.filter(pl.col("submitted") > 0)


def _validations(scope: Scope, call: Call) -> Any:
    """``(UTC hour, people)`` of the call's people validated now, by the hour they count from (their latest
    validation, or their submission if they were validated before it): read from the people's identity
    index, through their expressions (``scanned``: SQLite would otherwise take the unique index on person
    and call, which lacks the submission time), to their validation steps, each the latest of its
    person's (two in the same microsecond would both count)."""
    step, later = IdentityStep, aliased(IdentityStep)
    counted_from = case((step.created_at > Expression.submitted_at, step.created_at), else_=Expression.submitted_at)
    hour = utc_hour(counted_from)
    return (
        select(hour, func.count())
        .select_from(Volunteer)
        .join(Expression, and_(Expression.volunteer_id == Volunteer.id, scanned(Expression.call_id) == call.id))
        .join(step, and_(step.volunteer_id == Volunteer.id, step.step == Identity.VALIDATED))
        .where(
            Volunteer.identity == Identity.VALIDATED,
            in_scope(scope),
            ~exists().where(
                later.step == Identity.VALIDATED,
                later.volunteer_id == Volunteer.id,
                later.created_at > step.created_at,
            ),
        )
        .group_by(hour)
    )


def trend_rows(submitted: pl.DataFrame, validated: pl.DataFrame) -> list[CallDayRow]:
    days = (
        submitted.join(validated, on="day", how="full", coalesce=True)
        .fill_null(0)
        .sort("day")
        .with_columns(submitted_to_date=pl.col("submitted").cum_sum(), validated_to_date=pl.col("validated").cum_sum())
    )
    return [CallDayRow(**row) for row in days.select(*CallDayRow.__struct_fields__).iter_rows(named=True)]
