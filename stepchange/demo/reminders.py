"""Reminders as the daily job would have sent them, and staff members' reminder choices and calendars.

- **Volunteers' digests**: the one reminder to confirm an address (the day of the second confirmation
  e-mail), an offer left unanswered for a week, and each month's "log your time" to people holding a
  place, grouped into one digest a person a day, each item recorded once (the rules' own names, subjects
  and periods). A few people stop reminders from a digest's link; they get only essential items after.
- **Staff**: about half choose a daily or weekly digest; about a third have a calendar address (only its
  SHA-256 hash is kept, made in their current session epoch, as ``reminders.calendar.issue_feed`` does).

``reminder_lease`` stays empty: it is the running job's lock (who holds it, until when, and the UK day its
run last finished), inserted by the job's first run. A generated row would either stop today's run or
mean nothing, and the generated digests are history, not a run of the job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import select

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import AssignmentStatus
from stepchange.core import clock
from stepchange.demo.batch import Chunk, Generator, Newcomer, stamp
from stepchange.demo.time_ledger import months
from stepchange.reminders.items import ONCE
from stepchange.reminders.models import CalendarFeed, Frequency, ReminderDigest, ReminderPreference, ReminderSent
from stepchange.reminders.volunteer_rules import (
    ADDRESS_UNCONFIRMED,
    LOG_TIME,
    OFFER_UNANSWERED,
    UNANSWERED_AFTER,
)

STOPS = 0.04
"""The share of people who stop reminders from a digest."""


class Due(NamedTuple):
    rule: str
    subject_id: uuid.UUID
    period: str
    essential: bool


def volunteer_reminders(chunk: Chunk, someone: Newcomer) -> None:
    """The person's digests, one a day, each item once; after a stop, only the essential ones."""
    gen = chunk.gen
    by_day: dict[dt.date, list[Due]] = defaultdict(list)
    for day, due in _due(chunk, someone):
        if day < gen.today:
            by_day[day].append(due)
    stopped: dt.date | None = None
    for day in sorted(by_day):
        items = [d for d in by_day[day] if stopped is None or d.essential]
        if not items:
            continue
        digest_id = gen.new_id()
        sent_at = clock.start_of_day_uk(day) + dt.timedelta(hours=7)
        chunk.add(
            ReminderDigest, id=digest_id, recipient_id=someone.id, sent_on=day, items=len(items), **stamp(sent_at)
        )
        for item in items:
            fields = {**item._asdict(), **stamp(sent_at)}
            del fields["essential"]
            chunk.add(ReminderSent, id=gen.new_id(), recipient_id=someone.id, digest_id=digest_id, **fields)
        if stopped is None and chunk.rng.random() < STOPS:
            stopped = day
            at = gen.after(sent_at, 1, 48) or sent_at
            chunk.add(
                ReminderPreference, id=gen.new_id(), person_id=someone.id, frequency=Frequency.STOPPED, **stamp(at)
            )


def _due(chunk: Chunk, someone: Newcomer) -> list[tuple[dt.date, Due]]:
    """Each reminder the volunteer rules would have found for the person, with the UK day it went."""
    found = []
    if someone.reminded_at is not None:
        day = clock.uk_day(someone.reminded_at)
        found.append((day, Due(ADDRESS_UNCONFIRMED, someone.id, ONCE, True)))
    place = someone.place
    if place is None:
        return found
    if place.status is AssignmentStatus.OFFERED:
        found.append(
            (
                clock.uk_day(place.offered + UNANSWERED_AFTER) + dt.timedelta(days=1),
                Due(OFFER_UNANSWERED, place.id, ONCE, True),
            )
        )
    if place.status is AssignmentStatus.ACCEPTED and place.responded is not None:
        began = clock.uk_day(place.responded) + dt.timedelta(days=1)
        for month in months(place, chunk.gen.today):
            day = max(began, month)
            if day.month != month.month:
                continue  # accepted on a month's last day: the first reminder is next month's
            found.append((day, Due(LOG_TIME, someone.id, f"{day:%Y-%m}", False)))
    return found


async def staff_choices(gen: Generator) -> None:
    """Reminder choices and calendar addresses for some of the staff who have none yet."""
    cast = [gen.office, gen.ethics, *(actor for seats in gen.seats.values() for actor, _ in seats.values())]
    ids = [actor.id for actor in cast]
    chosen = set(
        (
            await gen.session.scalars(select(ReminderPreference.person_id).where(ReminderPreference.person_id.in_(ids)))
        ).all()
    )
    epochs = dict(
        (await gen.session.execute(select(StaffUser.id, StaffUser.session_epoch).where(StaffUser.id.in_(ids)))).all()
    )
    feeds = set(
        (await gen.session.scalars(select(CalendarFeed.staff_user_id).where(CalendarFeed.staff_user_id.in_(ids)))).all()
    )
    preferences: list[dict[str, Any]] = []
    calendars: list[dict[str, Any]] = []
    for actor in cast:
        at = gen.between(gen.opens_at - dt.timedelta(days=120), gen.opens_at)
        if actor.id not in chosen and gen.rng.random() < 0.5:
            frequency = gen.rng.choice((Frequency.DAILY, Frequency.WEEKLY))
            preferences.append({"id": gen.new_id(), "person_id": actor.id, "frequency": frequency, **stamp(at)})
        if actor.id not in feeds and gen.rng.random() < 0.35:
            token_hash = hashlib.sha256(gen.new_id().bytes).hexdigest()
            calendars.append(
                {
                    "id": gen.new_id(),
                    "staff_user_id": actor.id,
                    "token_hash": token_hash,
                    "session_epoch": epochs.get(actor.id, 0),
                    **stamp(at),
                }
            )
    await gen.insert(ReminderPreference, preferences)
    await gen.insert(CalendarFeed, calendars)
