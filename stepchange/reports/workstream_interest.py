"""A work-stream's interest figures in one pass: its funnel of every call and its trend of the report's call.

Both count the same rows, the expressions choosing one of the work-stream's projects (two thirds of a
national call choose the larger work-streams), so they are counted from one materialised set: each
such expression, read once through the choices' and the expressions' covering indexes with its person's
identity (``reports.indexes``), and the stages and times the figures need (the definitions are in
``reports.interest`` and ``reports.trends``). Three statements each finding those rows took three times
the reading (issue 28).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import polars as pl
from sqlalchemy import CTE, ColumnElement, Select, and_, case, func, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.interest.models import Call, Expression
from stepchange.people.models import Identity, Volunteer
from stepchange.reports.counting import by_day, utc_hour
from stepchange.reports.interest import Stages, confirmed_once, in_scope, placed_in_call
from stepchange.reports.scope import Scope
from stepchange.reports.trends import latest_validation, validations_by_hour

SUBMITTED, VALIDATED = "submitted", "validated"


@dataclass(frozen=True)
class WorkstreamInterest:
    funnel: dict[UUID, Stages]
    """Each call's stages (submitted, confirmed, validated, assigned) of the work-stream's people."""
    submitted: pl.DataFrame
    """The report's call's submissions by UK day (``day``, ``submitted``)."""
    validated: pl.DataFrame
    """Its people validated, by the UK day each counts from (``day``, ``validated``)."""


async def count(session: AsyncSession, scope: Scope, call: Call | None) -> WorkstreamInterest:
    """The work-stream's funnel, and the submissions and validations of ``call`` (none without one), in one
    statement: the stages by hour of submission and call, and the validations by the hour they count from."""
    chosen = _chosen(scope)
    hour = utc_hour(chosen.c.submitted_at)
    stages = select(
        hour,
        func.count(),
        literal_column(f"'{SUBMITTED}'"),
        chosen.c.call_id,
        func.sum(chosen.c.confirmed),
        func.sum(chosen.c.validated),
        func.sum(chosen.c.placed),
    ).group_by(hour, chosen.c.call_id)
    parts: list[Select[Any]] = [stages]
    if call is not None:
        nothing: list[ColumnElement[Any]] = [literal_column("NULL"), *(literal_column("0") for _ in range(3))]
        also = [literal_column(f"'{VALIDATED}'"), *nothing]
        parts.append(validations_by_hour(chosen, chosen.c.call_id == call.id, also=also))
    rows = (await session.execute(union_all(*parts))).all()
    return _tally(rows, call)


def _chosen(scope: Scope) -> CTE:
    """One row per expression choosing one of the work-stream's projects: its call and submission time, its
    person's stages as 1 or 0 and, for a person validated now, their latest validation."""
    validated = Volunteer.identity == Identity.VALIDATED
    return (
        select(
            Expression.call_id.label("call_id"),
            Expression.submitted_at.label("submitted_at"),
            case((confirmed_once(), 1), else_=0).label("confirmed"),
            case((validated, 1), else_=0).label("validated"),
            case((and_(validated, placed_in_call(scope)), 1), else_=0).label("placed"),
            case((validated, latest_validation())).label("validated_at"),
        )
        .join(Volunteer, Volunteer.id == Expression.volunteer_id)
        .where(in_scope(scope))
        .cte("chosen")
        .prefix_with("MATERIALIZED")
    )


def _tally(rows: Sequence[Any], call: Call | None) -> WorkstreamInterest:
    funnel: dict[UUID, list[int]] = {}
    submitted: list[tuple[str, int]] = []
    validated: list[tuple[str, int]] = []
    for hour, n, kind, call_id, confirmed, valid, placed in rows:
        if kind == VALIDATED:
            validated.append((hour, int(n)))
            continue
        stages = funnel.setdefault(call_id, [0, 0, 0, 0])
        for i, value in enumerate((n, confirmed, valid, placed)):
            stages[i] += int(value or 0)
        if call is not None and call_id == call.id:
            submitted.append((hour, int(n)))
    return WorkstreamInterest(
        funnel={c: (s[0], s[1], s[2], s[3]) for c, s in funnel.items()},
        submitted=by_day(submitted, "submitted"),
        validated=by_day(validated, "validated"),
    )
