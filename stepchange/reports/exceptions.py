"""The exceptions: the live projects that need the board's attention, each with every reason, most severe first.

A project is *live* from provisional to delivering, or paused (pipeline, delivered and withdrawn
projects need no attention). A live project is listed when, by these rules, most severe first:

1. ``red``: its RAG is red.
2. ``escalated``: an action escalated to the board, still open or in progress, names the project's
   code in its title (``T1``, any letter case). Escalated actions of a work-stream that name none of
   its projects are listed once for the work-stream itself (``project`` is ``None``).
3. ``milestone_overdue``: one of its milestones is not done and was due before today.
4. ``no_lead``: it is provisional, recruiting, staffed or delivering, it has no accepted lead, and
   recruiting for it has closed: every call that offered it has stopped taking submissions (none is
   open or still to open).
5. ``amber``: its RAG is amber.
6. ``stale``: its latest update (or, with none, the day it was added) is more than
   ``STEPCHANGE_STALE_DAYS`` days (30 unless set) before today.

"Most severe first" is by the most severe rule each breaks, then by how many it breaks, then in the
Call to Action's order. Days are UK days.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.core.templating import uk_date
from stepchange.governance.models import OPEN_STATUSES, ActionItem
from stepchange.interest.current_call import ended_at
from stepchange.interest.models import Call, call_project
from stepchange.projects.models import Project, ProjectStatus, Rag
from stepchange.reports.history import NOT_REPORTED, ProjectInfo, UpdateInfo
from stepchange.reports.schemas import ExceptionRow, MilestoneRow, Reason, StaffingRow
from stepchange.reports.scope import Scope
from stepchange.workstreams.models import Workstream

S = ProjectStatus
LIVE = frozenset({S.PROVISIONAL, S.RECRUITING, S.STAFFED, S.DELIVERING, S.PAUSED})
NEEDS_LEAD = frozenset({S.PROVISIONAL, S.RECRUITING, S.STAFFED, S.DELIVERING})
SEVERITY = {"red": 6, "escalated": 5, "milestone_overdue": 4, "no_lead": 3, "amber": 2, "stale": 1}
WORKSTREAM_ACTIONS = "The work-stream's own actions"
"""The title of a work-stream's escalations that name none of its projects."""


@dataclass(frozen=True)
class EscalatedAction:
    workstream: str
    title: str
    escalated_on: dt.date
    due_on: dt.date


@dataclass(frozen=True)
class Evidence:
    """What the rules read, besides the projects: gathered once per report."""

    updates: Sequence[UpdateInfo]
    milestones: Sequence[MilestoneRow]
    staffing: Sequence[StaffingRow]
    escalated: Sequence[EscalatedAction]
    recruiting_closed: dict[str, dt.date]
    """The UK day recruiting closed for each project whose last call has stopped taking submissions."""


async def escalated_actions(session: AsyncSession, scope: Scope) -> list[EscalatedAction]:
    """Actions escalated to the board and still open or in progress, the longest-waiting first."""
    query = (
        select(Workstream.code, ActionItem.title, ActionItem.escalated_at, ActionItem.due_on)
        .join(Workstream, ActionItem.workstream_id == Workstream.id)
        .where(ActionItem.escalated_at.is_not(None), ActionItem.status.in_(OPEN_STATUSES))
        .order_by(ActionItem.escalated_at)
    )
    if scope.workstream is not None:
        query = query.where(ActionItem.workstream_id == scope.workstream.id)
    rows = await session.execute(query)
    return [EscalatedAction(ws, title, clock.uk_day(at), due) for ws, title, at, due in rows.all() if at is not None]


async def recruiting_closed(session: AsyncSession, scope: Scope) -> dict[str, dt.date]:
    """For each project in scope whose calls have all stopped taking submissions (none open, none to
    come): the last UK day the last of them was open."""
    rows = await session.execute(
        select(Project.code, func.max(ended_at()))
        .join(call_project, call_project.c.project_id == Project.id)
        .join(Call, Call.id == call_project.c.call_id)
        .where(scope.projects())
        .group_by(Project.code)
    )
    now = clock.now()
    return {
        code: clock.uk_day(at - dt.timedelta(microseconds=1)) for code, at in rows.all() if at is not None and at <= now
    }


def exceptions(
    projects: Sequence[ProjectInfo], evidence: Evidence, workstreams: dict[str, str], today: dt.date, stale_days: int
) -> list[ExceptionRow]:
    """Every live project breaking a rule, and each work-stream with escalations naming no project."""
    latest = {u.project: u for u in evidence.updates}
    found: list[tuple[tuple[int, int, int], ExceptionRow]] = []
    for n, project in enumerate(projects):
        if project.status not in LIVE:
            continue
        reasons = _reasons(project, evidence, latest.get(project.code), today, stale_days)
        if reasons:
            found.append((_severity(reasons, n), _row(project, reasons, latest.get(project.code))))
    for n, code in enumerate(workstreams):
        unnamed = [a for a in evidence.escalated if a.workstream == code and not _named(a, projects)]
        if unnamed:
            reasons = [Reason("escalated", _escalations_text(unnamed, today))]
            row = ExceptionRow(None, WORKSTREAM_ACTIONS, code, None, NOT_REPORTED, reasons, "", None)
            found.append((_severity(reasons, len(projects) + n), row))
    return [row for _, row in sorted(found, key=lambda pair: pair[0])]


def _severity(reasons: list[Reason], position: int) -> tuple[int, int, int]:
    weights = [SEVERITY[r.rule] for r in reasons]
    return (-max(weights), -sum(weights), position)


def _row(project: ProjectInfo, reasons: list[Reason], update: UpdateInfo | None) -> ExceptionRow:
    return ExceptionRow(
        project=project.code,
        title=project.title,
        workstream=project.workstream,
        status=project.status.value,
        rag=project.rag.value if project.rag else NOT_REPORTED,
        reasons=reasons,
        narrative=update.summary if update else "",
        narrative_on=clock.uk_day(update.at) if update else None,
    )


def _reasons(
    project: ProjectInfo, evidence: Evidence, update: UpdateInfo | None, today: dt.date, stale_days: int
) -> list[Reason]:
    found = []
    if project.rag is Rag.RED:
        found.append(Reason("red", "RAG is red"))
    named = [a for a in evidence.escalated if a.workstream == project.workstream and _names(a.title, project.code)]
    if named:
        found.append(Reason("escalated", _escalations_text(named, today)))
    overdue = [m for m in evidence.milestones if m.project == project.code and m.state == "overdue"]
    if overdue:
        found.append(Reason("milestone_overdue", _overdue_text(overdue, today)))
    lead = _no_lead(project, evidence)
    if lead:
        found.append(Reason("no_lead", lead))
    if project.rag is Rag.AMBER:
        found.append(Reason("amber", "RAG is amber"))
    stale = _stale(project, update, today, stale_days)
    if stale:
        found.append(Reason("stale", stale))
    return found


def quoted(text: str) -> str:
    return f"\N{LEFT DOUBLE QUOTATION MARK}{text}\N{RIGHT DOUBLE QUOTATION MARK}"


def _names(title: str, code: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![0-9])", title, re.IGNORECASE) is not None


def _named(action: EscalatedAction, projects: Sequence[ProjectInfo]) -> bool:
    return any(p.workstream == action.workstream and _names(action.title, p.code) for p in projects)


def _escalations_text(actions: list[EscalatedAction], today: dt.date) -> str:
    def one(a: EscalatedAction) -> str:
        overdue = f", overdue since {uk_date(a.due_on)}" if a.due_on < today else f", due {uk_date(a.due_on)}"
        return f"{quoted(a.title)} (escalated {uk_date(a.escalated_on)}{overdue})"

    head = "Escalated to the board" if len(actions) == 1 else f"{len(actions)} actions escalated to the board"
    return f"{head}: {'; '.join(one(a) for a in actions)}"


def _overdue_text(milestones: list[MilestoneRow], today: dt.date) -> str:
    def one(m: MilestoneRow) -> str:
        late = (today - m.due_on).days
        return f"{quoted(m.title)} (due {uk_date(m.due_on)}, {late} {'day' if late == 1 else 'days'} ago)"

    head = "Milestone overdue" if len(milestones) == 1 else f"{len(milestones)} milestones overdue"
    return f"{head}: {'; '.join(one(m) for m in milestones)}"


def _no_lead(project: ProjectInfo, evidence: Evidence) -> str | None:
    closed = evidence.recruiting_closed.get(project.code)
    staffing = next((r for r in evidence.staffing if r.project == project.code), None)
    if project.status not in NEEDS_LEAD or closed is None or staffing is None or staffing.lead_in_place:
        return None
    offered = "; a lead has been offered the place and not yet answered" if staffing.lead_offered else ""
    return f"No lead in place, and recruiting closed on {uk_date(closed)}{offered}"


def _stale(project: ProjectInfo, update: UpdateInfo | None, today: dt.date, stale_days: int) -> str | None:
    last = clock.uk_day(update.at if update else project.added_at)
    days = (today - last).days
    if days <= stale_days:
        return None
    if update is None:
        return f"No update since it was added on {uk_date(last)} ({days} days)"
    return f"No update for {days} days (the last on {uk_date(last)})"
