"""The programme board's figures, each defined exactly: SQL does the counting, polars shapes the tables.

No report carries anyone's name, e-mail address or declaration text: only counts, states, codes and
the projects' own words (titles, narratives, milestones, escalated actions' titles). A report covers
the whole programme, or one work-stream (its projects only). Days are UK calendar days
(Europe/London); "today" is today in the UK.

Each figure is defined where it is counted: ``exceptions`` (what needs the board's attention),
``changes`` (since the last board meeting), ``delivery`` (milestones, projects by status and RAG,
staffing), ``history`` (RAG and staffing month by month), ``interest`` (the funnel, demand),
``trends`` (the call's submissions and validations) and ``oversight`` (declarations, ethics
reviews, escalations, hours); ``summaries`` says each in a line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from stepchange.core import clock
from stepchange.core.authz import Role, runs_workstream
from stepchange.core.errors import InvalidInput, NotAllowed, NotFound
from stepchange.core.guards import Principal
from stepchange.interest.current_call import current_call
from stepchange.interest.models import Call
from stepchange.reports import (
    changes,
    delivery,
    exceptions,
    history,
    interest,
    oversight,
    trends,
    workstream_interest,
)
from stepchange.reports import indexes as indexes  # the counts below read through them
from stepchange.reports.cache import ReportCache
from stepchange.reports.parallel import beside
from stepchange.reports.schemas import CallDayRow, CallRef, Dashboard, DemandRow, FunnelRow
from stepchange.reports.scope import Scope, workstream_names, workstreams_in
from stepchange.reports.summaries import summaries
from stepchange.workstreams.services import WorkstreamService

DEFAULT_STALE_DAYS = 30


def board_date(since: dt.date | None, today: dt.date) -> dt.date:
    """The date "what changed" counts from: the one the board chose (not after today), else 30 days ago."""
    if since is None:
        return today - dt.timedelta(days=changes.DEFAULT_DAYS)
    if since > today:
        raise InvalidInput.one("since", "The date of the last board meeting must be today or in the past")
    return since


class ReportService:
    """Computes every figure of a report; reads only, and only counts."""

    def __init__(
        self, session: AsyncSession, cache: ReportCache | None = None, stale_days: int = DEFAULT_STALE_DAYS
    ) -> None:
        self.session = session
        self.cache = cache
        self.stale_days = stale_days

    async def workstream_scope(self, principal: Principal | None, code: str) -> Scope:
        """One work-stream's report: for the board, the programme office and that work-stream's co-chairs only."""
        workstream = await WorkstreamService(session=self.session).by_code(code)
        if principal is None or not (principal.role == Role.BOARD or runs_workstream(principal, workstream.id)):
            raise NotAllowed(
                "Only the programme board, the programme office and this work-stream's co-chairs see its report"
            )
        return Scope(workstream)

    async def calls(self, scope: Scope) -> Sequence[Call]:
        """The calls a report can be about (first opened first), for the board to choose from."""
        return await interest.calls(self.session, scope)

    async def dashboard(self, scope: Scope, call_id: UUID | None = None, since: dt.date | None = None) -> Dashboard:
        """The scope's report about a call (the current call unless chosen) with the changes since a date
        (30 days ago unless chosen): the one kept from under a minute ago, if any (see ``reports.cache``)."""
        since = board_date(since, clock.uk_today())
        key = f"{scope.name}|{call_id or 'current'}|{since.isoformat()}"
        if self.cache is None:
            return await self.count(scope, call_id, since)
        return await self.cache.get(key, lambda: self.count(scope, call_id, since))

    async def _call(self, call_id: UUID | None) -> tuple[Call | None, Call | None]:
        """The report's call and the current call (the same unless the board chose another)."""
        now = await current_call(self.session)
        if call_id is None or (now is not None and now.id == call_id):
            return now, now
        chosen = (
            await self.session.scalars(select(Call).options(lazyload(Call.projects)).where(Call.id == call_id))
        ).first()
        if chosen is None:
            raise NotFound("call", f"id {call_id}")
        return chosen, now

    async def count(self, scope: Scope, call_id: UUID | None = None, since: dt.date | None = None) -> Dashboard:
        """Every figure of the scope's report, counted now (the interest figures beside the rest, where
        that is quicker: ``reports.parallel``)."""
        session, today = self.session, clock.uk_today()
        since = board_date(since, today)
        call, now = await self._call(call_id)
        async with beside(session, lambda other: interest_figures(other, scope, call)) as interest_part:
            workstreams = await workstreams_in(session, scope)
            projects = await history.projects(session, scope)
            updates = await history.updates(session, scope)
            milestones = await delivery.milestones(session, scope, today)
            staffing = await delivery.staffing(session, scope)
            declarations, ages = await oversight.declarations(session, scope, today)
            hours, hours_total = await oversight.hours(session, scope, workstreams)
            evidence = exceptions.Evidence(
                updates,
                milestones,
                staffing,
                await exceptions.escalated_actions(session, scope),
                await exceptions.recruiting_closed(session, scope),
            )
            names = await workstream_names(session, scope)
            escalations_since = await changes.escalations_since(session, scope, since)
            project_status = await delivery.project_status(session, scope, workstreams)
            project_rag = await delivery.project_rag(session, scope, workstreams)
            staffing_trend = await history.staffing_trend(session, scope, today)
            ethics_reviews = await oversight.ethics_reviews(session, scope, workstreams)
            escalations = await oversight.escalations(session, scope, workstreams, today)
            interesting = await interest_part()
        report = Dashboard(
            scope=scope.name,
            generated_on=today,
            as_of=clock.now(),
            current_call=_ref(now),
            call=_ref(call),
            since=since,
            stale_days=self.stale_days,
            summaries={},
            workstream_names=names,
            project_titles={p.code: p.title for p in projects},
            exceptions=exceptions.exceptions(projects, evidence, names, today, self.stale_days),
            changes=changes.changes(since, today, projects, updates, milestones, escalations_since),
            milestones=milestones,
            milestone_counts=delivery.milestone_counts(milestones),
            project_status=project_status,
            project_rag=project_rag,
            staffing=staffing,
            funnel=interesting.funnel,
            demand=interesting.demand,
            call_trend=interesting.call_trend,
            rag_trend=history.rag_trend(projects, updates, today),
            staffing_trend=staffing_trend,
            declarations=declarations,
            declaration_ages=ages,
            ethics_reviews=ethics_reviews,
            escalations=escalations,
            hours=hours,
            hours_total=hours_total,
        )
        report.summaries = summaries(report)
        return report


@dataclass(frozen=True)
class InterestFigures:
    funnel: list[FunnelRow]
    demand: list[DemandRow]
    call_trend: list[CallDayRow]


async def interest_figures(session: AsyncSession, scope: Scope, call: Call | None) -> InterestFigures:
    """The funnel of every call, and the demand and the trend of the report's call (a work-stream's funnel
    and trend in one pass over its people's expressions: ``reports.workstream_interest``)."""
    per_call = await interest.expressions_per_call(session)
    calls = await interest.calls(session, scope)
    if scope.workstream is None:
        funnel = interest.funnel(calls, await interest.programme_funnel(session, per_call))
        call_trend = await trends.call_trend(session, call)
    else:
        counted = await workstream_interest.count(session, scope, call)
        funnel = interest.funnel(calls, counted.funnel)
        call_trend = [] if call is None else trends.trend_rows(counted.submitted, counted.validated)
    return InterestFigures(
        funnel=funnel, demand=await interest.demand(session, scope, call, per_call), call_trend=call_trend
    )


def _ref(call: Call | None) -> CallRef | None:
    return None if call is None else CallRef(call.id, call.name)
