"""A co-chair's home: their work-stream's projects (RAG, days since the last update), its actions due and
overdue, its next meeting, and how many people are interested in each of its projects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import clock
from stepchange.governance.models import OPEN_STATUSES, ActionItem, Meeting, MeetingStatus
from stepchange.homes.common import Queue, count, days_since, first
from stepchange.interest.models import Choice, Expression, ExpressionStatus
from stepchange.projects.models import Project, StatusUpdate
from stepchange.workstreams.models import Workstream

DUE_WITHIN = dt.timedelta(days=14)
ACTIONS_SHOWN = 10


@dataclass(frozen=True)
class ProjectLine:
    code: str
    title: str
    status: str
    rag: str | None
    """The RAG its co-chairs last reported (``None``: not reported yet)."""
    days_since_update: int | None
    interested: int


@dataclass(frozen=True)
class ActionLine:
    id: UUID
    title: str
    owner: str
    due_on: dt.date
    overdue: bool


@dataclass(frozen=True)
class NextMeeting:
    id: UUID
    title: str
    starts_at: dt.datetime
    location: str


@dataclass(frozen=True)
class CoChairHome:
    code: str
    name: str
    projects: list[ProjectLine]
    actions: Queue[ActionLine]
    overdue: int
    meeting: NextMeeting | None
    stale_days: int


async def co_chair_home(session: AsyncSession, workstream_id: UUID, stale_days: int) -> CoChairHome:
    workstream = await session.get_one(Workstream, workstream_id)
    today = clock.uk_today()
    open_actions = (ActionItem.workstream_id == workstream_id, ActionItem.status.in_(OPEN_STATUSES))
    due = (*open_actions, ActionItem.due_on <= today + DUE_WITHIN)
    rows = await first(
        session,
        select(ActionItem.id, ActionItem.title, ActionItem.owner_name, ActionItem.due_on)
        .where(*due)
        .order_by(ActionItem.due_on, ActionItem.id),
        ACTIONS_SHOWN,
    )
    actions = [ActionLine(i, t, o, d, d < today) for i, t, o, d in rows]
    return CoChairHome(
        code=workstream.code,
        name=workstream.name,
        projects=await projects(session, workstream_id),
        actions=Queue(await count(session, ActionItem, *due), actions),
        overdue=await count(session, ActionItem, *open_actions, ActionItem.due_on < today),
        meeting=await next_meeting(session, workstream_id),
        stale_days=stale_days,
    )


async def projects(session: AsyncSession, workstream_id: UUID) -> list[ProjectLine]:
    """The work-stream's projects (a handful) with the last reported RAG, days since the last update and the
    number of people interested (choices in expressions not withdrawn), counted by the database."""
    last_update = (
        select(StatusUpdate.project_id, func.max(StatusUpdate.created_at).label("at"))
        .group_by(StatusUpdate.project_id)
        .subquery()
    )
    own_projects = select(Project.id).where(Project.workstream_id == workstream_id)
    interested = (  # only this work-stream's choices: counting every project's would cost the whole table
        select(Choice.project_id, func.count(func.distinct(Expression.volunteer_id)).label("people"))
        .join(Expression, Expression.id == Choice.expression_id)
        .where(Choice.project_id.in_(own_projects), Expression.status != ExpressionStatus.WITHDRAWN)
        .group_by(Choice.project_id)
        .subquery()
    )
    rows = await session.execute(
        select(Project.code, Project.title, Project.status, Project.rag, last_update.c.at, interested.c.people)
        .outerjoin(last_update, last_update.c.project_id == Project.id)
        .outerjoin(interested, interested.c.project_id == Project.id)
        .where(Project.workstream_id == workstream_id)
        .order_by(Project.number)
    )
    return [
        ProjectLine(code, title, status.value, rag.value if rag else None, days_since(at), people or 0)
        for code, title, status, rag, at, people in rows.all()
    ]


async def next_meeting(session: AsyncSession, workstream_id: UUID) -> NextMeeting | None:
    row = (
        await session.execute(
            select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.location)
            .where(
                Meeting.workstream_id == workstream_id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at >= clock.now(),
            )
            .order_by(Meeting.starts_at)
            .limit(1)
        )
    ).first()
    return NextMeeting(*row) if row else None
