"""What changed since the last board meeting (a UK date the board chooses; 30 days ago unless it does).

From the start of that day until now, newest first:

- ``status``: a status update moved a project to another lifecycle status.
- ``rag``: a status update gave a RAG other than the project's previous update's (a first RAG counts).
- ``escalation``: an action was escalated to the board (whatever has become of it since).
- ``milestone_met``: a milestone was done on a day in the period.
- ``milestone_missed``: a milestone fell due on a day in the period before today and was not done by
  then (still open, or done late).

Projects are in scope as in the rest of the report; the programme's own milestones are listed under
no project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.core.templating import uk_date
from stepchange.governance.models import ActionItem
from stepchange.projects.models import Rag
from stepchange.reports.delivery import PROGRAMME
from stepchange.reports.exceptions import quoted
from stepchange.reports.history import ProjectInfo, UpdateInfo
from stepchange.reports.schemas import ChangeRow, MilestoneRow
from stepchange.reports.scope import Scope
from stepchange.workstreams.models import Workstream

DEFAULT_DAYS = 30
"""With no date chosen, changes count from this many days ago."""


@dataclass(frozen=True)
class Escalation:
    workstream: str
    title: str
    on: dt.date


async def escalations_since(session: AsyncSession, scope: Scope, since: dt.date) -> list[Escalation]:
    query = (
        select(Workstream.code, ActionItem.title, ActionItem.escalated_at)
        .join(Workstream, ActionItem.workstream_id == Workstream.id)
        .where(ActionItem.escalated_at >= clock.start_of_day_uk(since))
    )
    if scope.workstream is not None:
        query = query.where(ActionItem.workstream_id == scope.workstream.id)
    rows = await session.execute(query)
    return [Escalation(ws, title, clock.uk_day(at)) for ws, title, at in rows.all() if at is not None]


def changes(
    since: dt.date,
    today: dt.date,
    projects: Sequence[ProjectInfo],
    updates: Sequence[UpdateInfo],
    milestones: Sequence[MilestoneRow],
    escalations: Sequence[Escalation],
) -> list[ChangeRow]:
    workstream_of = {p.code: p.workstream for p in projects}
    found = [*_update_changes(since, updates, workstream_of), *_milestone_changes(since, today, milestones)]
    found += [
        ChangeRow(e.on, None, e.workstream, "escalation", f"Escalated to the board: {quoted(e.title)}")
        for e in escalations
    ]
    found = [
        ChangeRow(c.on, c.project, c.workstream or workstream_of.get(c.project or ""), c.kind, c.what) for c in found
    ]
    return sorted(found, key=lambda c: (c.on, c.kind, c.project or ""), reverse=True)


def _update_changes(since: dt.date, updates: Sequence[UpdateInfo], workstream_of: dict[str, str]) -> list[ChangeRow]:
    found: list[ChangeRow] = []
    previous_rag: dict[str, Rag] = {}
    for u in updates:
        before = previous_rag.get(u.project)
        if u.rag is not None:
            previous_rag[u.project] = u.rag
        day = clock.uk_day(u.at)
        if day < since or u.project not in workstream_of:
            continue
        if u.status != u.previous_status:
            what = f"Status moved from {_words(u.previous_status)} to {_words(u.status)}"
            found.append(ChangeRow(day, u.project, None, "status", what))
        if u.rag is not None and u.rag != before:
            what = (
                f"RAG first reported: {_words(u.rag)}"
                if before is None
                else (f"RAG changed from {_words(before)} to {_words(u.rag)}")
            )
            found.append(ChangeRow(day, u.project, None, "rag", what))
    return found


def _milestone_changes(since: dt.date, today: dt.date, milestones: Sequence[MilestoneRow]) -> list[ChangeRow]:
    found = []
    for m in milestones:
        project = None if m.project == PROGRAMME else m.project
        if m.done_on is not None and since <= m.done_on <= today:
            late = f", {(m.done_on - m.due_on).days} days after it was due" if m.done_on > m.due_on else ""
            found.append(
                ChangeRow(m.done_on, project, None, "milestone_met", f"Milestone met: {quoted(m.title)}{late}")
            )
        if since <= m.due_on < today and (m.done_on is None or m.done_on > m.due_on):
            what = f"Milestone missed: {quoted(m.title)} was due {uk_date(m.due_on)}"
            found.append(ChangeRow(m.due_on, project, None, "milestone_missed", what))
    return found


def _words(value: object) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")
