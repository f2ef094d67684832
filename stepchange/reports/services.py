"""The programme board's figures, each defined exactly: SQL does the counting, polars shapes the tables.

Every figure is a count, a sum, a state or a code: no report carries anyone's name, e-mail address
or declaration text. A report covers the whole programme, or one work-stream (its projects only).
Days are UK calendar days (Europe/London); "today" is today in the UK.

Each figure is defined where it is counted: ``delivery`` (milestones, projects by status and RAG,
staffing), ``interest`` (the funnel, demand), ``trends`` (daily submissions) and ``oversight``
(declarations, ethics reviews, escalations, hours); ``summaries`` says each in a line.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.core.authz import Role, runs_workstream
from stepchange.core.errors import NotAllowed
from stepchange.core.guards import Principal
from stepchange.reports import delivery, interest, oversight, trends
from stepchange.reports.cache import ReportCache
from stepchange.reports.schemas import Dashboard
from stepchange.reports.scope import Scope, workstreams_in
from stepchange.reports.summaries import summaries
from stepchange.workstreams.services import WorkstreamService


class ReportService:
    """Computes every figure of a report; reads only, and only counts."""

    def __init__(self, session: AsyncSession, cache: ReportCache | None = None) -> None:
        self.session = session
        self.cache = cache

    async def workstream_scope(self, principal: Principal | None, code: str) -> Scope:
        """One work-stream's report: for the board, the programme office and that work-stream's co-chairs only."""
        workstream = await WorkstreamService(session=self.session).by_code(code)
        if principal is None or not (principal.role == Role.BOARD or runs_workstream(principal, workstream.id)):
            raise NotAllowed(
                "Only the programme board, the programme office and this work-stream's co-chairs see its report"
            )
        return Scope(workstream)

    async def dashboard(self, scope: Scope) -> Dashboard:
        """The scope's report: the one kept from under a minute ago, if any (see ``reports.cache``)."""
        if self.cache is None:
            return await self.count(scope)
        return await self.cache.get(scope.name, lambda: self.count(scope))

    async def count(self, scope: Scope) -> Dashboard:
        """Every figure of the scope's report, counted now."""
        session, today = self.session, clock.uk_today()
        workstreams = await workstreams_in(session, scope)
        milestones = await delivery.milestones(session, scope, today)
        declarations, ages = await oversight.declarations(session, scope, today)
        hours, hours_total = await oversight.hours(session, scope, workstreams)
        calls = await interest.calls(session, scope)
        report = Dashboard(
            scope=scope.name,
            generated_on=today,
            as_of=clock.now(),
            summaries={},
            milestones=milestones,
            milestone_counts=delivery.milestone_counts(milestones),
            project_status=await delivery.project_status(session, scope, workstreams),
            project_rag=await delivery.project_rag(session, scope, workstreams),
            staffing=await delivery.staffing(session, scope),
            funnel=await interest.funnel(session, scope, calls),
            demand=await interest.demand(session, scope),
            daily_submissions=await trends.daily_submissions(session, scope, calls, today),
            declarations=declarations,
            declaration_ages=ages,
            ethics_reviews=await oversight.ethics_reviews(session, scope, workstreams),
            escalations=await oversight.escalations(session, scope, workstreams, today),
            hours=hours,
            hours_total=hours_total,
        )
        report.summaries = summaries(report)
        return report
