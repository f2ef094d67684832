"""The trend of the report's call: submissions and validations, day by day and so far.

- **Submissions and validations over the call** (``call_trend``), for the report's call (a
  work-stream's report: people who chose one of its projects in it): each UK day on which someone
  submitted an expression of interest in the call (any status, late entries included, on the day
  recorded) or someone who had was validated, with that day's counts and the running totals.
  A person counts as validated on the day of their latest validation, or on the day they submitted
  if they were validated before (someone already known joins the call validated); only people
  validated now count, each once. Days with neither are left out of the table (the running totals say what
  the days between held); the series runs from the call's first such day to its last (up to today).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import CTE, ColumnElement, ScalarSelect, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.core.sql import scanned
from stepchange.interest.models import Call, Expression
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.reports.counting import by_day, utc_hour
from stepchange.reports.schemas import CallDayRow

MOST_DAYS = 400
"""The most UK days a call's submissions are counted over day by day (beyond, by hour)."""


async def call_trend(session: AsyncSession, call: Call | None) -> list[CallDayRow]:
    """The programme's trend of the call (a work-stream's is counted with its funnel: ``workstream_interest``)."""
    if call is None:
        return []
    validated = await session.execute(_validations(call))
    return trend_rows(await _submissions_by_day(session, call), by_day(validated.all(), "validated"))


async def _submissions_by_hour(session: AsyncSession, call: Call) -> pl.DataFrame:
    hour = utc_hour(Expression.submitted_at)
    rows = await session.execute(select(hour, func.count()).where(Expression.call_id == call.id).group_by(hour))
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
        return await _submissions_by_hour(session, call)
    days = pl.date_range(clock.uk_day(first), clock.uk_day(last), "1d", eager=True).to_list()
    counts = [
        select(func.count()).where(mine, at >= clock.start_of_day_uk(day), at < clock.end_of_day_uk(day))
        for day in days
    ]
    found = (await session.execute(select(*(count.scalar_subquery() for count in counts)))).one()
    table = pl.DataFrame({"day": days, "submitted": list(found)}, schema={"day": pl.Date, "submitted": pl.Int64})
    return table.filter(pl.col("submitted") > 0)


def latest_validation() -> ScalarSelect[Any]:
    """When the person (``Volunteer``, correlated) was last validated: one lookup at the end of their entries
    in ``STEPS_BY_KIND``; ``NULL`` if their history holds no validation."""
    return (
        select(func.max(IdentityStep.created_at))
        .where(IdentityStep.step == Identity.VALIDATED, IdentityStep.volunteer_id == Volunteer.id)
        .scalar_subquery()
    )


def validations_by_hour(
    people: CTE, *conditions: ColumnElement[bool], also: Sequence[ColumnElement[Any]] = ()
) -> Select[Any]:
    """``(UTC hour, people, *also)`` validated, by the hour each counts from: their latest validation, or
    their submission if they were validated before it. ``people`` holds one row per expression, with its
    ``submitted_at`` and, for a person validated now, their :func:`latest_validation` as ``validated_at``
    (materialised, so the lookup is made once per row, not once per use)."""
    at, submitted = people.c.validated_at, people.c.submitted_at
    hour = utc_hour(case((at > submitted, at), else_=submitted))
    return select(hour, func.count(), *also).where(at.is_not(None), *conditions).group_by(hour)


def _validations(call: Call) -> Select[Any]:
    """The call's people validated now, read from the people's identity index through their expressions
    (``scanned``: SQLite would otherwise take the unique index on person and call, which lacks the
    submission time)."""
    people = (
        select(Expression.submitted_at, latest_validation().label("validated_at"))
        .select_from(Volunteer)
        .join(Expression, and_(Expression.volunteer_id == Volunteer.id, scanned(Expression.call_id) == call.id))
        .where(Volunteer.identity == Identity.VALIDATED)
        .cte("validated")
        .prefix_with("MATERIALIZED")
    )
    return validations_by_hour(people)


def trend_rows(submitted: pl.DataFrame, validated: pl.DataFrame) -> list[CallDayRow]:
    days = (
        submitted.join(validated, on="day", how="full", coalesce=True)
        .fill_null(0)
        .sort("day")
        .with_columns(submitted_to_date=pl.col("submitted").cum_sum(), validated_to_date=pl.col("validated").cum_sum())
    )
    return [CallDayRow(**row) for row in days.select(*CallDayRow.__struct_fields__).iter_rows(named=True)]
