"""The reminders that chase staff: co-chairs (stale projects, due actions, unwritten minutes), ethics
reviewers (declarations and project reviews past the service level) and the office (near milestones,
erasure requests near their legal due date, lapsed offers)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.assignments.rules import LAPSE_AFTER, LAPSED
from stepchange.core.authz import StaffRole
from stepchange.core.clock import uk_day
from stepchange.core.settings import Settings
from stepchange.ethics.models import Declaration, ProjectReview, ReviewState
from stepchange.ethics.service_level import overdue_before
from stepchange.governance.models import OPEN_STATUSES, ActionItem, Meeting, MeetingStatus, Minutes
from stepchange.people.models import ErasureRequest, one_month_after
from stepchange.projects.models import Milestone, Project, ProjectStatus, StatusUpdate
from stepchange.reminders.items import ONCE, Found, Item, Moment, Recipient
from stepchange.volunteers.services import WAITING
from stepchange.workstreams.models import Workstream

ACTIONS_AHEAD = dt.timedelta(days=3)
MINUTES_AFTER = dt.timedelta(days=7)
MINUTES_LOOK_BACK = dt.timedelta(days=60)
"""Meetings further back than this are history, not chased."""
"""How long a declaration or a project's commercial-advantage review may wait for the ethics reviewers."""
MILESTONES_AHEAD = dt.timedelta(days=7)
ERASURE_WARNING = dt.timedelta(days=7)
QUIET = frozenset({ProjectStatus.PIPELINE, ProjectStatus.DELIVERED, ProjectStatus.WITHDRAWN})
"""Projects nobody is chased about: not started, or finished."""


class Staff:
    """The active staff the reminders go to, by role and by work-stream."""

    def __init__(self, users: Sequence[StaffUser]) -> None:
        self.by_role: dict[StaffRole, list[Recipient]] = defaultdict(list)
        self.co_chairs: dict[UUID, list[Recipient]] = defaultdict(list)
        self.by_id: dict[UUID, Recipient] = {}
        for user in users:
            who = Recipient("staff", user.id, user.email, user.name, user.role.value)
            self.by_id[user.id] = who
            self.by_role[user.role].append(who)
            if user.role is StaffRole.CO_CHAIR and user.workstream_id is not None:
                self.co_chairs[user.workstream_id].append(who)

    @classmethod
    async def load(cls, session: AsyncSession) -> Staff:
        return cls((await session.scalars(select(StaffUser).where(StaffUser.is_active.is_(True)))).all())

    def office(self) -> list[Recipient]:
        return self.by_role[StaffRole.COORDINATOR]


def _to_each(recipients: Sequence[Recipient], item: Item) -> Found:
    return [(who, item) for who in recipients]


async def stale_projects(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the co-chairs: each project of theirs with no update for ``STEPCHANGE_STALE_DAYS`` (again only
    after a newer update has gone stale in its turn)."""
    latest = (
        select(StatusUpdate.project_id, func.max(StatusUpdate.created_at).label("at"))
        .group_by(StatusUpdate.project_id)
        .subquery()
    )
    rows = await session.execute(
        select(Project, latest.c.at)
        .outerjoin(latest, latest.c.project_id == Project.id)
        .where(Project.status.not_in(QUIET))
    )
    found: Found = []
    for project, updated in rows.all():
        last = uk_day(updated or project.created_at)
        if (at.today - last).days <= settings.stale_days:
            continue
        text = f"{project.code} {project.title} has had no update since {last:%-d %B %Y}"
        item = Item("project_stale", project.id, last.isoformat(), text, f"{settings.base_url}/projects/{project.code}")
        found += _to_each(staff.co_chairs[project.workstream_id], item)
    return found


async def due_actions(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the co-chairs and the action's owner: actions due in the next three days, and overdue ones."""
    actions = await session.scalars(
        select(ActionItem).where(ActionItem.status.in_(OPEN_STATUSES), ActionItem.due_on <= at.today + ACTIONS_AHEAD)
    )
    found: Found = []
    for action in actions.all():
        overdue = action.due_on < at.today
        rule, when = ("action_overdue", "was due") if overdue else ("action_due", "is due")
        text = f"{action.workstream.code} action “{action.title}” {when} on {action.due_on:%-d %B %Y}"
        url = f"{settings.base_url}/workstreams/{action.workstream.code}/governance/actions/{action.id}"
        item = Item(rule, action.id, action.due_on.isoformat(), text, url)
        recipients = list(staff.co_chairs[action.workstream_id])
        owner = staff.by_id.get(action.owner_staff_id) if action.owner_staff_id else None
        if owner is not None and owner not in recipients:
            recipients.append(owner)
        found += _to_each(recipients, item)
    return found


async def minutes_missing(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the co-chairs: a meeting held seven days ago or more with no minutes written."""
    rows = await session.execute(
        select(Meeting, Workstream.code)
        .join(Workstream, Workstream.id == Meeting.workstream_id)
        .where(
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.starts_at <= at.now - MINUTES_AFTER,
            Meeting.starts_at > at.now - MINUTES_LOOK_BACK,
            ~exists().where(Minutes.meeting_id == Meeting.id),
        )
    )
    found: Found = []
    for meeting, code in rows.all():
        text = f"Write the minutes of the {code} meeting “{meeting.title}” of {uk_day(meeting.starts_at):%-d %B %Y}"
        url = f"{settings.base_url}/workstreams/{code}/governance/meetings/{meeting.id}"
        found += _to_each(staff.co_chairs[meeting.workstream_id], Item("minutes_missing", meeting.id, ONCE, text, url))
    return found


async def ethics_waiting(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the ethics reviewers: declarations and projects' reviews waiting past the service level
    (``STEPCHANGE_ETHICS_SERVICE_DAYS`` working days, as the reviewers' home counts them)."""
    since = overdue_before(at.today, settings.ethics_service_days)
    reviewers = staff.by_role[StaffRole.ETHICS]
    declarations = await session.scalars(
        select(Declaration).where(
            Declaration.state == ReviewState.PENDING, Declaration.withdrawn_at.is_(None), Declaration.created_at < since
        )
    )
    found: Found = []
    for declaration in declarations.all():
        text = f"A declaration of interest made on {uk_day(declaration.created_at):%-d %B %Y} is waiting for review"
        url = f"{settings.base_url}/ethics/declarations/{declaration.id}"
        found += _to_each(reviewers, Item("declaration_waiting", declaration.id, ONCE, text, url))
    projects = await session.scalars(
        select(Project).where(
            Project.status.not_in(QUIET),
            Project.created_at < since,
            ~exists().where(ProjectReview.project_id == Project.id),
        )
    )
    for project in projects.all():
        text = f"{project.code} {project.title} is waiting for its commercial-advantage review"
        url = f"{settings.base_url}/ethics/projects/{project.code}"
        found += _to_each(reviewers, Item("project_review_waiting", project.id, ONCE, text, url))
    return found


async def near_milestones(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the office: milestones due in the next seven days (again if a milestone's date moves)."""
    milestones = await session.scalars(
        select(Milestone).where(
            Milestone.done_on.is_(None), Milestone.due_on >= at.today, Milestone.due_on <= at.today + MILESTONES_AHEAD
        )
    )
    found: Found = []
    for milestone in milestones.all():
        text = f"Milestone “{milestone.title}” is due on {milestone.due_on:%-d %B %Y}"
        item = Item(
            "milestone_due", milestone.id, milestone.due_on.isoformat(), text, f"{settings.base_url}/milestones"
        )
        found += _to_each(staff.office(), item)
    return found


async def erasures_due(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the office: erasure requests not carried out, seven days before their legal due date."""
    waiting = await session.scalars(select(ErasureRequest).where(*WAITING))
    found: Found = []
    for request in waiting.all():
        due = one_month_after(request.created_at)
        if at.today < due - ERASURE_WARNING:
            continue
        text = f"An erasure request must be carried out by {due:%-d %B %Y}"
        url = f"{settings.base_url}/people/{request.volunteer_id}"
        found += _to_each(staff.office(), Item("erasure_due", request.id, ONCE, text, url))
    return found


async def lapsed_offers(session: AsyncSession, at: Moment, settings: Settings, staff: Staff) -> Found:
    """To the office and the project's co-chairs: an offer that lapsed unanswered."""
    rows = await session.execute(
        select(Assignment, Project)
        .join(Project, Project.id == Assignment.project_id)
        .where(
            Assignment.status == AssignmentStatus.ENDED,
            Assignment.ended_reason == LAPSED,
            Assignment.ended_at > at.now - LAPSE_AFTER,
        )
    )
    found: Found = []
    for offer, project in rows.all():
        text = f"An offer of a {offer.role.value} place on {project.code} {project.title} lapsed unanswered"
        item = Item("offer_lapsed", offer.id, ONCE, text, f"{settings.base_url}/desk/projects/{project.code}")
        found += _to_each([*staff.office(), *staff.co_chairs[project.workstream_id]], item)
    return found


STAFF_RULES = (
    stale_projects,
    due_actions,
    minutes_missing,
    ethics_waiting,
    near_milestones,
    erasures_due,
    lapsed_offers,
)
