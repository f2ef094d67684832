"""The figures of oversight: declarations awaiting review, project ethics reviews, escalated actions and hours.

- **Declarations awaiting review** (``declarations``, ``declaration_ages``): declarations still
  ``pending`` (a work-stream's report: those naming one of its projects); age = today - the UK day
  it was made; the oldest age, the median age, and counts by age band.
- **Project ethics reviews** (``ethics_reviews``): every project counted by the outcome of its
  latest commercial-advantage review, or ``not_reviewed``.
- **Escalated actions** (``escalations``): actions escalated to the board and still open or in
  progress, per work-stream; ``overdue``: of them, due before today; ``oldest_days``: days since
  the longest-waiting one was escalated.
- **Hours** (``hours``, ``hours_total``): for the people with an offered or accepted assignment in a
  work-stream's projects, ``hours_offered`` is the sum of their hours a month (each person's latest
  offer, counted once however many places they hold there) and ``hours_assigned`` the sum of those
  assignments' agreed hours (``assignments_without_hours`` have none agreed yet). Someone placed in
  two work-streams counts in both rows but once in ``hours_total``.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import polars as pl
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.core import clock
from stepchange.ethics.models import Declaration, ProjectOutcome, ProjectReview, ReviewState, declaration_project
from stepchange.governance.models import OPEN_STATUSES, ActionItem
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.reports.counting import by_day, counts_by, utc_hour
from stepchange.reports.schemas import AgeBandRow, DeclarationCounts, EscalationRow, EthicsRow, HoursRow
from stepchange.reports.scope import Scope, named

AGE_BANDS = ((0, "under 1 week"), (7, "1 to 2 weeks"), (14, "2 to 4 weeks"), (28, "4 weeks or more"))
"""Age bands of declarations awaiting review: (first day of the band, its name)."""
NOT_REVIEWED = "not_reviewed"
ALL_WORKSTREAMS = "All work-streams"


async def declarations(
    session: AsyncSession, scope: Scope, today: dt.date
) -> tuple[DeclarationCounts, list[AgeBandRow]]:
    hour = utc_hour(Declaration.created_at)
    query = select(hour, func.count()).where(Declaration.state == ReviewState.PENDING)
    if scope.workstream is not None:
        touching = select(declaration_project.c.declaration_id).where(
            scope.has_project(declaration_project.c.project_id)
        )
        query = query.where(Declaration.id.in_(touching))
    made = by_day((await session.execute(query.group_by(hour))).all(), "n")
    ages = (
        made.select(age=(pl.lit(today) - pl.col("day")).dt.total_days().repeat_by(pl.col("n")))
        .explode("age")
        .get_column("age")
        .drop_nulls()
        .cast(pl.Int64)
    )
    counts = DeclarationCounts(
        pending=ages.len(),
        oldest_days=None if ages.is_empty() else int(ages.max()),  # type: ignore[arg-type]
        median_days=median_days(ages),
    )
    return counts, age_bands(ages)


async def ethics_reviews(session: AsyncSession, scope: Scope, workstreams: dict[UUID, str]) -> list[EthicsRow]:
    ranked = select(
        ProjectReview.project_id,
        ProjectReview.outcome,
        func.row_number()
        .over(
            partition_by=ProjectReview.project_id,
            order_by=(ProjectReview.created_at.desc(), ProjectReview.id.desc()),
        )
        .label("n"),
    ).subquery()
    latest = select(ranked.c.project_id, ranked.c.outcome).where(ranked.c.n == 1).subquery()
    rows = await session.execute(
        select(Project.workstream_id, latest.c.outcome, func.count())
        .outerjoin(latest, latest.c.project_id == Project.id)
        .where(scope.projects())
        .group_by(Project.workstream_id, latest.c.outcome)
    )
    coded = [(code, outcome or NOT_REVIEWED, n) for code, outcome, n in named(rows.all(), workstreams)]
    table = counts_by(coded, "workstream", [*ProjectOutcome, NOT_REVIEWED], list(workstreams.values()))
    return [EthicsRow(**r) for r in table.to_dicts()]


async def escalations(
    session: AsyncSession, scope: Scope, workstreams: dict[UUID, str], today: dt.date
) -> list[EscalationRow]:
    query = select(
        ActionItem.workstream_id,
        func.count(),
        func.sum(case((ActionItem.due_on < today, 1), else_=0)),
        func.min(ActionItem.escalated_at),
    ).where(ActionItem.escalated_at.is_not(None), ActionItem.status.in_(OPEN_STATUSES))
    if scope.workstream is not None:
        query = query.where(ActionItem.workstream_id == scope.workstream.id)
    rows = await session.execute(query.group_by(ActionItem.workstream_id))
    found = {
        ws: (int(n), int(overdue or 0), (today - clock.uk_day(oldest)).days) for ws, n, overdue, oldest in rows.all()
    }
    return [EscalationRow(code, *found.get(ws, (0, 0, None))) for ws, code in workstreams.items()]


async def hours(session: AsyncSession, scope: Scope, workstreams: dict[UUID, str]) -> tuple[list[HoursRow], HoursRow]:
    """Each person's hours are read once, for the work-streams they are placed in; the programme's total
    takes away the hours of people counted in more than one work-stream (few: read on their own)."""
    placed = (
        select(Project.workstream_id, Assignment.volunteer_id)
        .join(Project, Assignment.project_id == Project.id)
        .where(Assignment.status.in_(ACTIVE), scope.projects())
        .distinct()
        .subquery()
    )
    offered = await session.execute(
        select(placed.c.workstream_id, func.count(), func.sum(Volunteer.hours_per_month))
        .join(Volunteer, Volunteer.id == placed.c.volunteer_id)
        .group_by(placed.c.workstream_id)
    )
    assigned = await session.execute(
        select(
            Project.workstream_id,
            func.sum(Assignment.hours),
            func.sum(case((Assignment.hours.is_(None), 1), else_=0)),
        )
        .join(Project, Assignment.project_id == Project.id)
        .where(Assignment.status.in_(ACTIVE), scope.projects())
        .group_by(Project.workstream_id)
    )
    people = {ws: (int(n), int(h or 0)) for ws, n, h in offered.all()}
    agreed = {ws: (int(h or 0), int(none or 0)) for ws, h, none in assigned.all()}
    rows = [HoursRow(code, *people.get(ws, (0, 0)), *agreed.get(ws, (0, 0))) for ws, code in workstreams.items()]
    repeats = select(placed.c.volunteer_id, (func.count() - 1).label("extra")).group_by(placed.c.volunteer_id)
    repeated = repeats.having(func.count() > 1).subquery()
    extra_people, extra_hours = (
        await session.execute(
            select(func.sum(repeated.c.extra), func.sum(repeated.c.extra * Volunteer.hours_per_month)).join(
                Volunteer, Volunteer.id == repeated.c.volunteer_id
            )
        )
    ).one()
    total = HoursRow(
        ALL_WORKSTREAMS if scope.workstream is None else scope.workstream.code,
        sum(r.people for r in rows) - int(extra_people or 0),
        sum(r.hours_offered for r in rows) - int(extra_hours or 0),
        sum(r.hours_assigned for r in rows),
        sum(r.assignments_without_hours for r in rows),
    )
    return rows, total


def median_days(ages: pl.Series) -> float | None:
    value = ages.median()
    return None if value is None else float(value)  # type: ignore[arg-type]


def age_bands(ages: pl.Series) -> list[AgeBandRow]:
    """How many declarations fall in each age band (every band listed, 0 where none)."""
    band = pl.sum_horizontal(*(pl.col("age") >= start for start, _ in AGE_BANDS[1:])).alias("band")
    counted = dict(pl.DataFrame({"age": ages}).group_by(band).len().iter_rows())
    return [AgeBandRow(name, int(counted.get(i, 0))) for i, (_, name) in enumerate(AGE_BANDS)]
