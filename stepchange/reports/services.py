"""The programme board's figures, each defined exactly: SQL does the counting, polars shapes the tables.

Every figure is a count, a sum, a state or a code: no report carries anyone's name, e-mail address
or declaration text. A report covers the whole programme, or one work-stream (its projects only).
Days are UK calendar days (Europe/London); "today" is today in the UK.

- **Milestones** (``milestones``): every milestone by due date (a work-stream's report: its projects'
  only) and its state: ``done`` (a done date is recorded), ``overdue`` (not done, due before today)
  or ``to come``; ``days_to_go`` is due date minus today (negative when overdue, none once done).
- **Projects by status** (``project_status``) and **by RAG** (``project_rag``): every project of each
  work-stream counted at its current lifecycle status and its current RAG (``not_reported`` until
  its first update).
- **Staffing** (``staffing``): each project open to assignment (not pipeline, delivered or
  withdrawn). ``lead_in_place``: an accepted lead; ``lead_offered``: a lead offered, not yet
  accepted; ``team`` = ``accepted`` + ``offered`` assignments of either role (the lead included);
  ``wanted`` is the project's ``wanted_team_size`` (the office sets it at its desk; 5 unless set,
  :data:`DEFAULT_TEAM_SIZE`); ``short_by`` = wanted - team, never below 0.
- **Interest funnel per call** (``funnel``), each stage a subset of the one before:
  ``submitted``: people with an expression of interest in the call (any status, withdrawn
  included; one per person per call); ``email_confirmed``: of them, people whose address was
  confirmed: now e-mail confirmed, organisation confirmed or validated, or rejected after
  confirming (their identity history holds such a step; identity only ever climbs, but for a
  rejection, so that is everyone who ever confirmed);
  ``validated``: of them, people validated now; ``assigned``: of them, people with an offered or
  accepted assignment to a project the call offered. A work-stream's funnel counts only people who
  chose one of its projects in that call, and assignments to its projects; it lists the calls that
  offered any of its projects.
- **Demand per project** (``demand``): each project offered in at least one call; ``calls``: how
  many calls offered it; ``choices``: choices of it in expressions not withdrawn, across all calls;
  ``lead_choices``: of them, sought as lead; ``first_choices``: of them, ranked first.
  ``unasked``: offered but never chosen. Least asked-for first, so those lead the table.
- **Daily submissions** (``daily_submissions``): expressions of interest (any status) per UK day of
  ``submitted_at``, every day from the call's opening day to its last open day (the day before it
  closes at midnight, or the day it closed early; today if it is still open), days with none
  included as 0. Late entries recorded after closing fall outside the series.
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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import polars as pl
from sqlalchemy import ColumnElement, String, case, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, lazyload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.services import NOT_OPEN
from stepchange.core import clock
from stepchange.core.templating import UK, uk_date
from stepchange.ethics.models import Declaration, ProjectOutcome, ProjectReview, ReviewState, declaration_project
from stepchange.governance.models import OPEN_STATUSES, ActionItem
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus, call_project
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.milestones import MilestoneView
from stepchange.projects.models import Milestone, Project, ProjectStatus, Rag
from stepchange.reports.cache import ReportCache
from stepchange.reports.schemas import (
    AgeBandRow,
    DailyRow,
    Dashboard,
    DeclarationCounts,
    DemandRow,
    EscalationRow,
    EthicsRow,
    FunnelRow,
    HoursRow,
    MilestoneCounts,
    MilestoneRow,
    RagRow,
    StaffingRow,
    StatusRow,
)
from stepchange.workstreams.models import Workstream

DEFAULT_TEAM_SIZE = 5
"""The team a project wants when it does not say (lead included)."""
EMAIL_CONFIRMED_OR_BEYOND = (Identity.EMAIL_CONFIRMED, Identity.ORGANISATION_CONFIRMED, Identity.VALIDATED)
AGE_BANDS = ((0, "under 1 week"), (7, "1 to 2 weeks"), (14, "2 to 4 weeks"), (28, "4 weeks or more"))
"""Age bands of declarations awaiting review: (first day of the band, its name)."""
NOT_REPORTED = "not_reported"
NOT_REVIEWED = "not_reviewed"
ALL_WORKSTREAMS = "All work-streams"
PROGRAMME = "Programme"
"""What the milestones table shows for the programme's own milestones, in place of a project's code."""


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


class scanned(FunctionElement[Any]):  # noqa: N801 - a SQL expression, named like one
    """A column to group by that SQLite must not read through its index (``+column``): at scale, reading
    the table in order and sorting is about twice as fast as visiting every row through the index.
    Other engines get the column as it is."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(scanned)
def _scanned(element: scanned, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(scanned, "sqlite")
def _scanned_sqlite(element: scanned, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def uk_days(hours: pl.Series) -> pl.Series:
    """``YYYY-MM-DD HH`` UTC hours (an ISO ``T`` allowed) as the UK days they fall on."""
    return (
        (hours.str.replace("T", " ") + ":00")
        .str.to_datetime("%Y-%m-%d %H:%M", time_zone="UTC")
        .dt.convert_time_zone(str(UK))
        .dt.date()
    )


def uk_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(UK).date()


def counts_by(rows: Sequence[Sequence[Any]], key: str, categories: Sequence[str], keys: Sequence[str]) -> pl.DataFrame:
    """``(key, category, n)`` rows as one row per key (in ``keys``' order), a column per category
    (0 where none) and a ``total``."""
    categories = [str(c) for c in categories]
    found = pl.DataFrame(
        [tuple(r) for r in rows], schema={key: pl.String, "category": pl.String, "n": pl.Int64}, orient="row"
    )
    wide = found.pivot(on="category", on_columns=list(categories), index=key, values="n", aggregate_function="sum")
    every = pl.DataFrame({key: list(keys)}, schema={key: pl.String})
    table = every.join(wide, on=key, how="left", maintain_order="left") if wide.width > 1 else every
    for category in categories:
        if category not in table.columns:
            table = table.with_columns(pl.lit(0, dtype=pl.Int64).alias(category))
    table = table.select(key, *categories).with_columns(pl.col(*categories).fill_null(0))
    return table.with_columns(total=pl.sum_horizontal(*categories))


def median_days(ages: pl.Series) -> float | None:
    value = ages.median()
    return None if value is None else float(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scope:
    """What a report covers: the whole programme, or one work-stream's projects."""

    workstream: Workstream | None = None

    @property
    def name(self) -> str:
        return self.workstream.code if self.workstream else "programme"

    def projects(self) -> ColumnElement[bool]:
        """The condition on ``Project`` for the projects in scope."""
        return Project.workstream_id == self.workstream.id if self.workstream else true()

    def has_project(self, column: InstrumentedAttribute[UUID] | ColumnElement[UUID]) -> ColumnElement[bool]:
        """``column`` (a project id) is one of the projects in scope."""
        if self.workstream is None:
            return true()
        return column.in_(select(Project.id).where(self.projects()))


class ReportService:
    """Computes every figure of a report; reads only, and only counts."""

    def __init__(self, session: AsyncSession, cache: ReportCache | None = None) -> None:
        self.session = session
        self.cache = cache

    async def dashboard(self, scope: Scope) -> Dashboard:
        """The scope's report: the one kept from under a minute ago, if any (see ``reports.cache``)."""
        if self.cache is None:
            return await self.count(scope)
        return await self.cache.get(scope.name, lambda: self.count(scope))

    async def count(self, scope: Scope) -> Dashboard:
        """Every figure of the scope's report, counted now."""
        today = clock.uk_today()
        workstreams = await self._workstreams(scope)
        milestones = await self.milestones(scope, today)
        declarations, ages = await self.declarations(scope, today)
        hours, hours_total = await self.hours(scope, workstreams)
        calls = await self.calls(scope)
        report = Dashboard(
            scope=scope.name,
            generated_on=today,
            as_of=dt.datetime.now(dt.UTC),
            summaries={},
            milestones=milestones,
            milestone_counts=milestone_counts(milestones),
            project_status=await self.project_status(scope, workstreams),
            project_rag=await self.project_rag(scope, workstreams),
            staffing=await self.staffing(scope),
            funnel=await self.funnel(scope, calls),
            demand=await self.demand(scope),
            daily_submissions=await self.daily_submissions(scope, calls, today),
            declarations=declarations,
            declaration_ages=ages,
            ethics_reviews=await self.ethics_reviews(scope, workstreams),
            escalations=await self.escalations(scope, workstreams, today),
            hours=hours,
            hours_total=hours_total,
        )
        report.summaries = summaries(report)
        return report

    async def _workstreams(self, scope: Scope) -> dict[UUID, str]:
        if scope.workstream is not None:
            return {scope.workstream.id: scope.workstream.code}
        rows = await self.session.execute(select(Workstream.id, Workstream.code).order_by(Workstream.position))
        return dict(rows.all())

    # --- milestones and projects ------------------------------------------------------------------

    async def milestones(self, scope: Scope, today: dt.date) -> list[MilestoneRow]:
        query = select(Milestone, Project.code).outerjoin(Project, Milestone.project_id == Project.id)
        if scope.workstream is not None:
            query = query.where(scope.projects())
        rows = await self.session.execute(query.order_by(Milestone.due_on, Milestone.title))
        return [milestone_row(MilestoneView(m, code, today)) for m, code in rows.all()]

    async def project_status(self, scope: Scope, workstreams: dict[UUID, str]) -> list[StatusRow]:
        rows = await self._by_workstream(Project.status, scope)
        table = counts_by(_named(rows, workstreams), "workstream", list(ProjectStatus), list(workstreams.values()))
        return [StatusRow(**r) for r in table.to_dicts()]

    async def project_rag(self, scope: Scope, workstreams: dict[UUID, str]) -> list[RagRow]:
        rows = await self._by_workstream(Project.rag, scope)
        named = [(code, rag or NOT_REPORTED, n) for code, rag, n in _named(rows, workstreams)]
        table = counts_by(named, "workstream", [*Rag, NOT_REPORTED], list(workstreams.values()))
        return [RagRow(**r) for r in table.to_dicts()]

    async def _by_workstream(self, column: Any, scope: Scope) -> Sequence[Any]:
        """``(work-stream id, value of column, projects)`` for the projects in scope."""
        rows = await self.session.execute(
            select(Project.workstream_id, column, func.count())
            .where(scope.projects())
            .group_by(Project.workstream_id, column)
        )
        return rows.all()

    async def staffing(self, scope: Scope) -> list[StaffingRow]:
        projects = (
            await self.session.scalars(
                select(Project)
                .join(Workstream, Project.workstream_id == Workstream.id)
                .where(scope.projects(), Project.status.not_in(NOT_OPEN))
                .order_by(Workstream.position, Project.number)
            )
        ).all()
        rows = await self.session.execute(
            select(Assignment.project_id, Assignment.role, Assignment.status, func.count())
            .where(Assignment.status.in_(ACTIVE), scope.has_project(Assignment.project_id))
            .group_by(Assignment.project_id, Assignment.role, Assignment.status)
        )
        places = {(p, AssignmentRole(r), AssignmentStatus(s)): n for p, r, s, n in rows.all()}
        return [staffing_row(p, places) for p in projects]

    # --- interest -----------------------------------------------------------------------------------

    async def calls(self, scope: Scope) -> Sequence[Call]:
        """The calls, first opened first: every call, or those offering one of the work-stream's projects."""
        query = select(Call).options(lazyload(Call.projects)).order_by(Call.opens_at, Call.name)
        if scope.workstream is not None:
            offered = select(call_project.c.call_id).join(Project, call_project.c.project_id == Project.id)
            query = query.where(Call.id.in_(offered.where(scope.projects())))
        return (await self.session.scalars(query)).all()

    def _in_scope(self, scope: Scope) -> ColumnElement[bool]:
        """The expression chose one of the projects in scope (always, for the programme)."""
        if scope.workstream is None:
            return true()
        return exists().where(Choice.expression_id == Expression.id, scope.has_project(Choice.project_id))

    async def funnel(self, scope: Scope, calls: Sequence[Call]) -> list[FunnelRow]:
        """Each stage counted per call on its own: every count reads indexes only, even at scale."""
        confirmed = (
            select(Volunteer.id)
            .where(Volunteer.identity.in_(EMAIL_CONFIRMED_OR_BEYOND))
            .union(
                select(IdentityStep.volunteer_id)
                .join(Volunteer, IdentityStep.volunteer_id == Volunteer.id)
                .where(Volunteer.identity == Identity.REJECTED, IdentityStep.step.in_(EMAIL_CONFIRMED_OR_BEYOND))
            )
        )
        validated = Expression.volunteer_id.in_(select(Volunteer.id).where(Volunteer.identity == Identity.VALIDATED))
        placed = exists().where(
            Assignment.volunteer_id == Expression.volunteer_id,
            Assignment.status.in_(ACTIVE),
            Assignment.project_id == call_project.c.project_id,
            call_project.c.call_id == Expression.call_id,
            scope.has_project(Assignment.project_id),
        )
        stages = [
            await self._per_call(scope),
            await self._per_call(scope, Expression.volunteer_id.in_(confirmed)),
            await self._per_call(scope, validated),
            await self._per_call(scope, validated, placed),
        ]
        return [FunnelRow(c.name, *(stage.get(c.id, 0) for stage in stages)) for c in calls]

    async def _per_call(self, scope: Scope, *where: ColumnElement[bool]) -> dict[UUID, int]:
        """People per call (one expression each) whose expression meets every condition."""
        rows = await self.session.execute(
            select(Expression.call_id, func.count()).where(self._in_scope(scope), *where).group_by(Expression.call_id)
        )
        return {call_id: int(n) for call_id, n in rows.all()}

    async def demand(self, scope: Scope) -> list[DemandRow]:
        offered = (
            select(call_project.c.project_id, func.count().label("calls")).group_by(call_project.c.project_id)
        ).subquery()
        projects = await self.session.execute(
            select(Project.id, Project.code, Workstream.code, Project.title, offered.c.calls, Workstream.position)
            .join(offered, offered.c.project_id == Project.id)
            .join(Workstream, Project.workstream_id == Workstream.id)
            .where(scope.projects())
        )
        project = scanned(Choice.project_id)
        chosen = await self.session.execute(
            select(
                project,
                func.count(),
                func.sum(case((Choice.role == ChoiceRole.LEAD, 1), else_=0)),
                func.sum(case((Choice.rank == 1, 1), else_=0)),
            )
            .where(
                Choice.expression_id.not_in(
                    select(Expression.id).where(Expression.status == ExpressionStatus.WITHDRAWN)
                ),
                scope.has_project(Choice.project_id),
            )
            .group_by(project)
        )
        counts = {p: (int(n), int(lead or 0), int(first or 0)) for p, n, lead, first in chosen.all()}
        rows = [
            (position, code, DemandRow(code, ws, title, calls, *counts.get(p, (0, 0, 0)), unasked=p not in counts))
            for p, code, ws, title, calls, position in projects.all()
        ]
        ordered = sorted(rows, key=lambda r: (r[2].choices, r[0], _number(r[1])))
        return [row for *_, row in ordered]

    async def daily_submissions(self, scope: Scope, calls: Sequence[Call], today: dt.date) -> list[DailyRow]:
        call_id, utc = scanned(Expression.call_id), utc_hour(Expression.submitted_at)
        rows = await self.session.execute(
            select(call_id, utc, func.count()).where(self._in_scope(scope)).group_by(call_id, utc)
        )
        found = pl.DataFrame(
            [(str(call), hour, n) for call, hour, n in rows.all()],
            schema={"call": pl.String, "hour": pl.String, "n": pl.Int64},
            orient="row",
        )
        by_day = (
            found.with_columns(day=uk_days(found["hour"])).group_by("call", "day").agg(submissions=pl.col("n").sum())
        )
        return [row for call in calls for row in call_days(call, by_day, today)]

    # --- reviews, actions and hours ---------------------------------------------------------------

    async def declarations(self, scope: Scope, today: dt.date) -> tuple[DeclarationCounts, list[AgeBandRow]]:
        query = select(Declaration.created_at).where(Declaration.state == ReviewState.PENDING)
        if scope.workstream is not None:
            touching = select(declaration_project.c.declaration_id).where(
                scope.has_project(declaration_project.c.project_id)
            )
            query = query.where(Declaration.id.in_(touching))
        made = (await self.session.scalars(query)).all()
        ages = pl.Series("age", [(today - uk_day(at)).days for at in made], dtype=pl.Int64)
        counts = DeclarationCounts(
            pending=ages.len(),
            oldest_days=None if ages.is_empty() else int(ages.max()),  # type: ignore[arg-type]
            median_days=median_days(ages),
        )
        return counts, age_bands(ages)

    async def ethics_reviews(self, scope: Scope, workstreams: dict[UUID, str]) -> list[EthicsRow]:
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
        rows = await self.session.execute(
            select(Project.workstream_id, latest.c.outcome, func.count())
            .outerjoin(latest, latest.c.project_id == Project.id)
            .where(scope.projects())
            .group_by(Project.workstream_id, latest.c.outcome)
        )
        named = [(code, outcome or NOT_REVIEWED, n) for code, outcome, n in _named(rows.all(), workstreams)]
        table = counts_by(named, "workstream", [*ProjectOutcome, NOT_REVIEWED], list(workstreams.values()))
        return [EthicsRow(**r) for r in table.to_dicts()]

    async def escalations(self, scope: Scope, workstreams: dict[UUID, str], today: dt.date) -> list[EscalationRow]:
        query = select(
            ActionItem.workstream_id,
            func.count(),
            func.sum(case((ActionItem.due_on < today, 1), else_=0)),
            func.min(ActionItem.escalated_at),
        ).where(ActionItem.escalated_at.is_not(None), ActionItem.status.in_(OPEN_STATUSES))
        if scope.workstream is not None:
            query = query.where(ActionItem.workstream_id == scope.workstream.id)
        rows = await self.session.execute(query.group_by(ActionItem.workstream_id))
        found = {
            ws: (int(n), int(overdue or 0), (today - uk_day(oldest)).days) for ws, n, overdue, oldest in rows.all()
        }
        return [EscalationRow(code, *found.get(ws, (0, 0, None))) for ws, code in workstreams.items()]

    async def hours(self, scope: Scope, workstreams: dict[UUID, str]) -> tuple[list[HoursRow], HoursRow]:
        placed = (
            select(Project.workstream_id, Assignment.volunteer_id)
            .join(Project, Assignment.project_id == Project.id)
            .where(Assignment.status.in_(ACTIVE), scope.projects())
        )
        per_person = placed.distinct().subquery()
        offered = await self.session.execute(
            select(per_person.c.workstream_id, func.count(), func.sum(Volunteer.hours_per_month))
            .join(Volunteer, Volunteer.id == per_person.c.volunteer_id)
            .group_by(per_person.c.workstream_id)
        )
        assigned = await self.session.execute(
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
        hours = {ws: (int(h or 0), int(none or 0)) for ws, h, none in assigned.all()}
        rows = [HoursRow(code, *people.get(ws, (0, 0)), *hours.get(ws, (0, 0))) for ws, code in workstreams.items()]
        everyone = placed.with_only_columns(Assignment.volunteer_id).distinct().subquery()
        total_people, total_offered = (
            await self.session.execute(
                select(func.count(), func.sum(Volunteer.hours_per_month)).join(
                    everyone, everyone.c.volunteer_id == Volunteer.id
                )
            )
        ).one()
        total = HoursRow(
            ALL_WORKSTREAMS if scope.workstream is None else scope.workstream.code,
            int(total_people),
            int(total_offered or 0),
            sum(r.hours_assigned for r in rows),
            sum(r.assignments_without_hours for r in rows),
        )
        return rows, total


# --- building rows ----------------------------------------------------------------------------------


def _named(rows: Sequence[Any], workstreams: dict[UUID, str]) -> list[tuple[str, Any, int]]:
    """``(workstream id, category, n)`` rows with the work-stream's code and the category's value."""
    return [(workstreams[ws], getattr(c, "value", c), int(n)) for ws, c, n in rows if ws in workstreams]


def _number(code: str) -> int:
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits or 0)


def milestone_row(view: MilestoneView) -> MilestoneRow:
    milestone = view.milestone
    state = "done" if milestone.done_on is not None else "overdue" if view.overdue else "to come"
    return MilestoneRow(
        title=milestone.title,
        project=view.project_code or PROGRAMME,
        due_on=milestone.due_on,
        done_on=milestone.done_on,
        state=state,
        days_to_go=view.days_to_go,
    )


def milestone_counts(rows: Sequence[MilestoneRow]) -> MilestoneCounts:
    states = [r.state for r in rows]
    return MilestoneCounts(
        total=len(rows), done=states.count("done"), overdue=states.count("overdue"), to_come=states.count("to come")
    )


def wanted_size(project: Project) -> int:
    """The team the project wants (its lead included): its ``wanted_team_size``, 5 when unset."""
    return project.wanted_team_size or DEFAULT_TEAM_SIZE


def staffing_row(project: Project, places: dict[tuple[UUID, AssignmentRole, AssignmentStatus], int]) -> StaffingRow:
    def count(role: AssignmentRole | None, status: AssignmentStatus) -> int:
        roles = list(AssignmentRole) if role is None else [role]
        return sum(places.get((project.id, r, status), 0) for r in roles)

    accepted, offered = count(None, AssignmentStatus.ACCEPTED), count(None, AssignmentStatus.OFFERED)
    wanted = wanted_size(project)
    return StaffingRow(
        project=project.code,
        workstream=project.workstream.code,
        status=project.status.value,
        rag=project.rag.value if project.rag else NOT_REPORTED,
        lead_in_place=count(AssignmentRole.LEAD, AssignmentStatus.ACCEPTED) > 0,
        lead_offered=count(AssignmentRole.LEAD, AssignmentStatus.OFFERED) > 0,
        accepted=accepted,
        offered=offered,
        team=accepted + offered,
        wanted=wanted,
        short_by=max(wanted - accepted - offered, 0),
    )


def open_days(call: Call, today: dt.date) -> list[dt.date]:
    """The UK days a call took submissions on: its opening day to its last open day (or today)."""
    first = uk_day(call.opens_at)
    last = min(uk_day(call.ends_at - dt.timedelta(microseconds=1)), today)
    return pl.date_range(first, last, "1d", eager=True).to_list() if first <= last else []


def call_days(call: Call, by_day: pl.DataFrame, today: dt.date) -> list[DailyRow]:
    days = pl.DataFrame({"day": open_days(call, today)}, schema={"day": pl.Date})
    mine = by_day.filter(pl.col("call") == str(call.id)).select("day", "submissions")
    counted = days.join(mine, on="day", how="left", maintain_order="left").with_columns(
        pl.col("submissions").fill_null(0)
    )
    return [DailyRow(call.name, r["day"], int(r["submissions"])) for r in counted.iter_rows(named=True)]


def age_bands(ages: pl.Series) -> list[AgeBandRow]:
    """How many declarations fall in each age band (every band listed, 0 where none)."""
    band = pl.sum_horizontal(*(pl.col("age") >= start for start, _ in AGE_BANDS[1:])).alias("band")
    counted = dict(pl.DataFrame({"age": ages}).group_by(band).len().iter_rows())
    return [AgeBandRow(name, int(counted.get(i, 0))) for i, (_, name) in enumerate(AGE_BANDS)]


# --- one-line summaries -----------------------------------------------------------------------------


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _parts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items() if n) or "none"


def summaries(report: Dashboard) -> dict[str, str]:
    """One line per figure, saying what its chart shows: numbers and codes only."""
    return {
        "milestones": _milestones_line(report.milestone_counts),
        "project_status": _totals_line(report.project_status, [s.value for s in ProjectStatus]),
        "project_rag": _totals_line(report.project_rag, [*(r.value for r in Rag), NOT_REPORTED]),
        "staffing": _staffing_line(report.staffing),
        "funnel": _funnel_line(report.funnel),
        "demand": _demand_line(report.demand),
        "daily_submissions": _daily_line(report.daily_submissions),
        "declaration_ages": _declarations_line(report.declarations),
        "ethics_reviews": _totals_line(report.ethics_reviews, [*(o.value for o in ProjectOutcome), NOT_REVIEWED]),
        "escalations": _escalations_line(report.escalations),
        "hours": _hours_line(report.hours_total),
    }


def _milestones_line(counts: MilestoneCounts) -> str:
    return (
        f"{_plural(counts.total, 'milestone')}: {counts.done:,} done, {counts.overdue:,} overdue, "
        f"{counts.to_come:,} still to come."
    )


def _totals_line(rows: Sequence[Any], columns: Sequence[str]) -> str:
    totals = {c: sum(getattr(r, c) for r in rows) for c in columns}
    return f"{_plural(sum(totals.values()), 'project')}: {_parts(totals)}."


def _staffing_line(rows: Sequence[StaffingRow]) -> str:
    leads = sum(r.lead_in_place for r in rows)
    short = sum(r.short_by > 0 for r in rows)
    return (
        f"Leads in place: {leads:,} of {_plural(len(rows), 'open project')}; "
        f"{_plural(short, 'team is', 'teams are')} below the size wanted."
    )


def _funnel_line(rows: Sequence[FunnelRow]) -> str:
    if not rows:
        return "No call to action yet."
    r = rows[-1]
    return (
        f"Latest call: {r.submitted:,} submitted, {r.email_confirmed:,} confirmed their e-mail, "
        f"{r.validated:,} validated, {r.assigned:,} assigned."
    )


def _demand_line(rows: Sequence[DemandRow]) -> str:
    if not rows:
        return "No project has been offered in a call yet."
    unasked = [r.project for r in rows if r.unasked]
    top = max(rows, key=lambda r: r.choices)
    nobody = f"nobody has asked for {', '.join(unasked)}" if unasked else "every project has been asked for"
    return f"{_plural(len(rows), 'project')} offered: {nobody}; most asked for: {top.project} ({top.choices:,})."


def _daily_line(rows: Sequence[DailyRow]) -> str:
    total = sum(r.submissions for r in rows)
    if not total:
        return f"No submissions over {_plural(len(rows), 'day')}."
    busiest = max(rows, key=lambda r: r.submissions)
    return (
        f"{_plural(total, 'submission')} over {_plural(len(rows), 'day')}; "
        f"the busiest day was {uk_date(busiest.day)} with {busiest.submissions:,}."
    )


def _declarations_line(counts: DeclarationCounts) -> str:
    if not counts.pending:
        return "No declaration awaits review."
    median = f"{counts.median_days:g}"
    return (
        f"{_plural(counts.pending, 'declaration awaits', 'declarations await')} review; "
        f"the oldest is {_plural(counts.oldest_days or 0, 'day')} old, the median {median} days."
    )


def _escalations_line(rows: Sequence[EscalationRow]) -> str:
    escalated = sum(r.escalated for r in rows)
    overdue = sum(r.overdue for r in rows)
    return f"{_plural(escalated, 'escalated action is', 'escalated actions are')} open, {overdue:,} of them overdue."


def _hours_line(total: HoursRow) -> str:
    return (
        f"{_plural(total.people, 'person', 'people')} placed on projects offer {total.hours_offered:,} hours a month; "
        f"{total.hours_assigned:,} hours a month are assigned."
    )
