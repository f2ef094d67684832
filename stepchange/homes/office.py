"""The programme office's home: every queue it owns, counted in the database, oldest first, with links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.core.mail import MailStatus, OutboxMessage
from stepchange.homes.common import Queue, count, days_since, first, one_month_after
from stepchange.interest.models import Expression, HeldSubmission
from stepchange.people.models import ErasureRequest, Volunteer
from stepchange.people.tally import awaiting_validation, awaiting_validation_count
from stepchange.projects.models import Project
from stepchange.reports import delivery
from stepchange.reports.scope import Scope
from stepchange.volunteers.services import WAITING

UNANSWERED_AFTER = dt.timedelta(days=7)
WITHDRAWALS_SHOWN_FOR = dt.timedelta(days=30)
LATE_SHOWN_FOR = dt.timedelta(days=30)
WITHDREW = "volunteer.withdrew"


@dataclass(frozen=True)
class Waiting:
    id: UUID
    name: str
    organisation: str
    since: dt.datetime
    age_days: int


@dataclass(frozen=True)
class ErasureDue:
    volunteer_id: UUID
    name: str
    requested_at: dt.datetime
    due_on: dt.date
    days_left: int


@dataclass(frozen=True)
class Withdrawal:
    volunteer_id: UUID
    name: str
    at: dt.datetime


@dataclass(frozen=True)
class Offer:
    volunteer_id: UUID
    name: str
    project: str
    offered_at: dt.datetime
    age_days: int


@dataclass(frozen=True)
class Gap:
    project: str
    title: str
    status: str
    wanted: int
    team: int
    short_by: int
    lead_in_place: bool


@dataclass(frozen=True)
class LateEntry:
    volunteer_id: UUID
    name: str
    submitted_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class FailedMail:
    category: str
    subject: str
    at: dt.datetime


@dataclass(frozen=True)
class OfficeHome:
    validation: Queue[Waiting]
    erasures: Queue[ErasureDue]
    withdrawals: Queue[Withdrawal]
    offers: Queue[Offer]
    gaps: Queue[Gap]
    held: int
    late: Queue[LateEntry]
    failed_mail: Queue[FailedMail]


async def office_home(session: AsyncSession) -> OfficeHome:
    return OfficeHome(
        validation=await validation(session),
        erasures=await erasures(session),
        withdrawals=await withdrawals(session),
        offers=await offers(session),
        gaps=await gaps(session),
        held=await count(session, HeldSubmission),
        late=await late_entries(session),
        failed_mail=await failed_mail(session),
    )


async def validation(session: AsyncSession) -> Queue[Waiting]:
    """People whose address is confirmed, waiting for the office to validate them: longest waiting first."""
    rows = await first(
        session,
        select(Volunteer.id, Volunteer.name, Volunteer.organisation, Volunteer.created_at)
        .where(awaiting_validation())
        .order_by(Volunteer.created_at, Volunteer.id),
    )
    items = [Waiting(i, n, o, at, days_since(at) or 0) for i, n, o, at in rows]
    return Queue(await awaiting_validation_count(session), items)


async def erasures(session: AsyncSession) -> Queue[ErasureDue]:
    """Erasure requests waiting, with the legal due date: one month from the request (UK GDPR art. 12(3))."""
    rows = await first(
        session,
        select(ErasureRequest.volunteer_id, Volunteer.name, ErasureRequest.created_at)
        .join(Volunteer, Volunteer.id == ErasureRequest.volunteer_id)
        .where(*WAITING)
        .order_by(ErasureRequest.created_at),
    )
    today = clock.uk_today()
    items = [ErasureDue(v, n, at, one_month_after(at), (one_month_after(at) - today).days) for v, n, at in rows]
    return Queue(await count(session, ErasureRequest, *WAITING), items)


async def withdrawals(session: AsyncSession) -> Queue[Withdrawal]:
    """People who withdrew from the programme in the last 30 days: their places have ended, and the office
    may need to fill them or tell the project."""
    where = (AuditEntry.action == WITHDREW, AuditEntry.created_at >= clock.now() - WITHDRAWALS_SHOWN_FOR)
    rows = await first(
        session,
        select(AuditEntry.subject_id, AuditEntry.created_at).where(*where).order_by(AuditEntry.created_at.desc()),
    )
    ids = [UUID(str(subject)) for subject, _ in rows]
    names = dict((await session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids)))).all())
    items = [Withdrawal(i, names.get(i, ""), at) for i, (_, at) in zip(ids, rows, strict=True)]
    return Queue(await count(session, AuditEntry, *where), items)


async def offers(session: AsyncSession) -> Queue[Offer]:
    """Places offered 7 days ago or more and not yet answered, oldest first."""
    where = (
        Assignment.status == AssignmentStatus.OFFERED,
        Assignment.created_at < clock.now() - UNANSWERED_AFTER,
    )
    rows = await first(
        session,
        select(Assignment.volunteer_id, Volunteer.name, Project.code, Assignment.created_at)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .join(Project, Project.id == Assignment.project_id)
        .where(*where)
        .order_by(Assignment.created_at),
    )
    items = [Offer(v, n, code, at, days_since(at) or 0) for v, n, code, at in rows]
    return Queue(await count(session, Assignment, *where), items)


async def gaps(session: AsyncSession) -> Queue[Gap]:
    """Projects recruiting with places still to fill, the biggest gap first (the desk's staffing figures)."""
    rows = [r for r in await delivery.staffing(session, Scope()) if r.status == "recruiting" and r.short_by > 0]
    rows.sort(key=lambda r: -r.short_by)
    titles = dict((await session.execute(select(Project.code, Project.title))).all())
    items = [
        Gap(r.project, titles.get(r.project, ""), r.status, r.wanted, r.team, r.short_by, r.lead_in_place)
        for r in rows[:5]
    ]
    return Queue(len(rows), items)


async def late_entries(session: AsyncSession) -> Queue[LateEntry]:
    """Late entries the office recorded in the last 30 days, newest first (to check and place)."""
    where = (Expression.late.is_(True), Expression.submitted_at >= clock.now() - LATE_SHOWN_FOR)
    rows = await first(
        session,
        select(Expression.volunteer_id, Volunteer.name, Expression.submitted_at, Expression.late_reason)
        .join(Volunteer, Volunteer.id == Expression.volunteer_id)
        .where(*where)
        .order_by(Expression.submitted_at.desc()),
    )
    return Queue(await count(session, Expression, *where), [LateEntry(*row) for row in rows])


async def failed_mail(session: AsyncSession) -> Queue[FailedMail]:
    """E-mail the service gave up sending, newest first (the recipient may never have had their link)."""
    where = (OutboxMessage.status == MailStatus.FAILED,)
    rows = await first(
        session,
        select(OutboxMessage.category, OutboxMessage.subject, OutboxMessage.updated_at)
        .where(*where)
        .order_by(OutboxMessage.updated_at.desc()),
    )
    return Queue(await count(session, OutboxMessage, *where), [FailedMail(*row) for row in rows])
