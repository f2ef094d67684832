"""The ethics reviewers' home: declarations waiting (with their age against the service level) and the
projects whose commercial-advantage review is still to be done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.rules import NOT_OPEN
from stepchange.core import clock
from stepchange.ethics.models import ConflictKind, Declaration, ProjectReview, ReviewState
from stepchange.ethics.service_level import is_overdue, overdue_before, working_days_between
from stepchange.homes.common import Queue, count, first
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.workstreams.models import Workstream

WAITING_SHOWN = 10


@dataclass(frozen=True)
class WaitingDeclaration:
    id: UUID
    name: str
    kind: ConflictKind
    declared_at: dt.datetime
    working_days: int
    overdue: bool


@dataclass(frozen=True)
class ReviewDue:
    code: str
    title: str
    status: str


@dataclass(frozen=True)
class EthicsHome:
    service_days: int
    declarations: Queue[WaitingDeclaration]
    overdue: int
    reviews: Queue[ReviewDue]


async def ethics_home(session: AsyncSession, service_days: int) -> EthicsHome:
    today = clock.uk_today()
    pending = (Declaration.state == ReviewState.PENDING,)
    rows = await first(
        session,
        select(Declaration.id, Volunteer.name, Declaration.kind, Declaration.created_at)
        .join(Volunteer, Volunteer.id == Declaration.volunteer_id)
        .where(*pending)
        .order_by(Declaration.created_at, Declaration.id),
        WAITING_SHOWN,
    )
    items = []
    for declaration_id, name, kind, at in rows:
        days = working_days_between(clock.uk_day(at), today)
        items.append(WaitingDeclaration(declaration_id, name, kind, at, days, is_overdue(at, today, service_days)))
    late_before = overdue_before(today, service_days)
    overdue = await count(session, Declaration, *pending, Declaration.created_at < late_before)
    return EthicsHome(
        service_days, Queue(await count(session, Declaration, *pending), items), overdue, await reviews(session)
    )


async def reviews(session: AsyncSession) -> Queue[ReviewDue]:
    """Open projects (provisional on, not delivered or withdrawn) with no commercial-advantage review yet."""
    where = (
        Project.status.not_in(NOT_OPEN),
        ~select(ProjectReview.id).where(ProjectReview.project_id == Project.id).exists(),
    )
    rows = await first(
        session,
        select(Project.code, Project.title, Project.status)
        .join(Workstream, Workstream.id == Project.workstream_id)
        .where(*where)
        .order_by(Workstream.position, Project.number),
        WAITING_SHOWN,
    )
    return Queue(await count(session, Project, *where), [ReviewDue(c, t, s.value) for c, t, s in rows])
