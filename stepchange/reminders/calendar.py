"""Calendar feeds (RFC 5545, by the icalendar library): a staff member's secret subscription address
and a volunteer's team meetings.

A staff feed carries the programme's milestones, the meetings of their work-streams (with the agenda's
link, never the minutes) and the due dates of actions they own or their work-streams hold. Every event's
UID is its record's id, so a calendar that fetches the feed again updates an event that moved rather than
adding another; times are Europe/London, with its VTIMEZONE.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from uuid import UUID

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.core import clock
from stepchange.core.authz import StaffRole
from stepchange.core.settings import Settings
from stepchange.governance.models import OPEN_STATUSES, ActionItem, Appointment, Meeting, MeetingStatus, RosterMember
from stepchange.projects.models import Milestone
from stepchange.reminders.models import CalendarFeed
from stepchange.workstreams.models import Workstream

LOOK_BACK = dt.timedelta(days=90)
LOOK_AHEAD = dt.timedelta(days=400)
MOST_EVENTS = 500
"""Each kind of event is capped, so a feed never loads unbounded rows."""
MEETING_LENGTH = dt.timedelta(hours=1)
DOMAIN = "stepchange"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_feed(session: AsyncSession, user: StaffUser, settings: Settings) -> str:
    """A new secret calendar address for this member of staff; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    feed = await session.scalar(select(CalendarFeed).where(CalendarFeed.staff_user_id == user.id))
    if feed is None:
        session.add(CalendarFeed(staff_user_id=user.id, token_hash=_hash(token), session_epoch=user.session_epoch))
    else:
        feed.token_hash, feed.session_epoch = _hash(token), user.session_epoch
    await session.flush()
    return f"{settings.base_url}/calendar/{token}.ics"


async def has_feed(session: AsyncSession, user_id: UUID) -> bool:
    return await session.scalar(select(CalendarFeed.id).where(CalendarFeed.staff_user_id == user_id)) is not None


async def owner_of(session: AsyncSession, token: str) -> StaffUser | None:
    """The member of staff whose address this is, while it still works: the account is open and neither
    its role nor anything else that ends every session (the session epoch) has changed since it was made."""
    row = await session.execute(
        select(StaffUser, CalendarFeed.session_epoch)
        .join(CalendarFeed, CalendarFeed.staff_user_id == StaffUser.id)
        .where(CalendarFeed.token_hash == _hash(token))
    )
    found = row.first()
    if found is None:
        return None
    user, epoch = found
    return user if user.is_active and user.session_epoch == epoch else None


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Step-Change//Programme calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    return calendar


def _event(uid: str, summary: str, changed: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{DOMAIN}")
    event.add("summary", summary)
    event.add("dtstamp", clock.now())
    event.add("last-modified", changed)
    event.add("sequence", int(changed.timestamp()) // 60 % 2**31)
    return event


def _day(event: Event, day: dt.date) -> Event:
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def meeting_event(meeting: Meeting, code: str, agenda_url: str | None) -> Event:
    event = _event(f"meeting-{meeting.id}", f"{code}: {meeting.title}", meeting.updated_at)
    starts = meeting.starts_at.astimezone(clock.UK)
    event.add("dtstart", starts)
    event.add("dtend", starts + MEETING_LENGTH)
    if meeting.location:
        event.add("location", meeting.location)
    if agenda_url:
        event.add("description", f"Agenda: {agenda_url}")
        event.add("url", agenda_url)
    event.add("status", "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED")
    return event


def finish(calendar: Calendar, events: Iterable[Event]) -> bytes:
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


async def _workstreams_of(session: AsyncSession, user: StaffUser) -> list[UUID] | None:
    """The work-streams whose meetings and actions the person follows (``None``: the office, all of them)."""
    if user.role is StaffRole.COORDINATOR:
        return None
    ids = {user.workstream_id} if user.workstream_id else set()
    ids.update(
        await session.scalars(
            select(RosterMember.workstream_id).where(
                RosterMember.staff_user_id == user.id, RosterMember.left_on.is_(None)
            )
        )
    )
    ids.update(
        await session.scalars(
            select(Appointment.workstream_id).where(
                Appointment.staff_user_id == user.id, Appointment.ended_on.is_(None)
            )
        )
    )
    return sorted(ids)


async def _meetings(
    session: AsyncSession, workstreams: Sequence[UUID] | None, since: dt.datetime, until: dt.datetime
) -> Sequence[tuple[Meeting, str]]:
    query = select(Meeting, Workstream.code).join(Workstream, Workstream.id == Meeting.workstream_id)
    query = query.where(Meeting.starts_at >= since, Meeting.starts_at <= until)
    if workstreams is not None:
        query = query.where(Meeting.workstream_id.in_(workstreams))
    rows = await session.execute(query.order_by(Meeting.starts_at).limit(MOST_EVENTS))
    return [(meeting, code) for meeting, code in rows.all()]


async def staff_feed(session: AsyncSession, user: StaffUser, settings: Settings) -> bytes:
    now, today = clock.now(), clock.uk_today()
    workstreams = await _workstreams_of(session, user)
    events: list[Event] = []
    milestones = await session.scalars(
        select(Milestone)
        .where(Milestone.due_on >= today - LOOK_BACK, Milestone.due_on <= today + LOOK_AHEAD)
        .order_by(Milestone.due_on)
        .limit(MOST_EVENTS)
    )
    for milestone in milestones.all():
        done = " (done)" if milestone.done_on else ""
        event = _day(
            _event(f"milestone-{milestone.id}", f"Milestone: {milestone.title}{done}", milestone.updated_at),
            milestone.due_on,
        )
        events.append(event)
    for meeting, code in await _meetings(session, workstreams, now - LOOK_BACK, now + LOOK_AHEAD):
        agenda = f"{settings.base_url}/workstreams/{code}/governance/meetings/{meeting.id}"
        events.append(meeting_event(meeting, code, agenda))
    actions = select(ActionItem).where(ActionItem.status.in_(OPEN_STATUSES), ActionItem.due_on <= today + LOOK_AHEAD)
    if workstreams is not None:
        mine = ActionItem.owner_staff_id == user.id
        actions = actions.where(mine | ActionItem.workstream_id.in_(workstreams) if workstreams else mine)
    for action in (await session.scalars(actions.order_by(ActionItem.due_on).limit(MOST_EVENTS))).all():
        code = action.workstream.code
        event = _day(
            _event(f"action-{action.id}", f"{code} action due: {action.title}", action.updated_at), action.due_on
        )
        event.add("url", f"{settings.base_url}/workstreams/{code}/governance/actions/{action.id}")
        events.append(event)
    return finish(_calendar("Step-Change"), events)


async def team_feed(session: AsyncSession, workstream_id: UUID, project_code: str) -> bytes:
    """A volunteer's team: the meetings of their project's work-stream (time and place only)."""
    now = clock.now()
    meetings = await _meetings(session, [workstream_id], now - LOOK_BACK, now + LOOK_AHEAD)
    return finish(_calendar(f"Step-Change {project_code}"), (meeting_event(m, code, None) for m, code in meetings))
