"""The day's digests: every item due, less those already sent, grouped into one e-mail per person.

:func:`plan` decides who gets what (the dry run prints it); :func:`send_digest` sends one person's digest
and records each item with it in one transaction, so a restart or a second worker never repeats one:
the unique constraints on ``reminder_digest`` (one a person a day) and ``reminder_sent`` (each reminder
once) refuse the loser of a race, whose transaction then sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.links import issue_link
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.settings import Settings
from stepchange.interest.services import CONFIRMATION, CONFIRMATION_LIFETIME
from stepchange.people.models import Volunteer
from stepchange.reminders.items import Item, Moment, Recipient
from stepchange.reminders.models import Frequency, ReminderDigest, ReminderPreference, ReminderSent
from stepchange.reminders.signing import STOP, sign
from stepchange.reminders.staff_rules import STAFF_RULES, Staff
from stepchange.reminders.volunteer_rules import ADDRESS_UNCONFIRMED, VOLUNTEER_RULES

WEEK = 7
CHUNK = 500
Plan = dict[Recipient, list[Item]]


async def _found(session: AsyncSession, at: Moment, settings: Settings) -> Plan:
    by_person: Plan = defaultdict(list)
    for volunteer_rule in VOLUNTEER_RULES:
        for who, item in await volunteer_rule(session, at, settings):
            by_person[who].append(item)
    staff = await Staff.load(session)
    for staff_rule in STAFF_RULES:
        for who, item in await staff_rule(session, at, settings, staff):
            by_person[who].append(item)
    return by_person


def _chunks(ids: Sequence[UUID]) -> Iterable[Sequence[UUID]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def _history(
    session: AsyncSession, ids: Sequence[UUID]
) -> tuple[set[tuple[UUID, str, UUID, str]], dict[UUID, Frequency], dict[UUID, dt.date]]:
    """What each person was already sent, their choice, and the day of their last digest."""
    sent: set[tuple[UUID, str, UUID, str]] = set()
    choices: dict[UUID, Frequency] = {}
    last: dict[UUID, dt.date] = {}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(ReminderSent.recipient_id, ReminderSent.rule, ReminderSent.subject_id, ReminderSent.period).where(
                ReminderSent.recipient_id.in_(chunk)
            )
        )
        sent.update((r, rule, s, p) for r, rule, s, p in rows.all())
        prefs = await session.execute(
            select(ReminderPreference.person_id, ReminderPreference.frequency).where(
                ReminderPreference.person_id.in_(chunk)
            )
        )
        choices.update(dict(prefs.all()))
        days = await session.execute(
            select(ReminderDigest.recipient_id, func.max(ReminderDigest.sent_on))
            .where(ReminderDigest.recipient_id.in_(chunk))
            .group_by(ReminderDigest.recipient_id)
        )
        last.update(dict(days.all()))
    return sent, choices, last


async def plan(session: AsyncSession, at: Moment, settings: Settings) -> Plan:
    """Each person's digest due now: items not sent before, none to a person who had one today (or, on a
    weekly digest, this week), and to a volunteer who stopped reminders only the essential ones."""
    found = await _found(session, at, settings)
    sent, choices, last = await _history(session, [who.id for who in found])
    digests: Plan = {}
    for who, items in found.items():
        choice = choices.get(who.id, Frequency.DAILY)
        fresh = {item.key: item for item in items if (who.id, *item.key) not in sent}
        due = [item for item in fresh.values() if item.essential or choice is not Frequency.STOPPED]
        previous = last.get(who.id)
        if not due or previous == at.today:
            continue
        if choice is Frequency.WEEKLY and previous is not None and (at.today - previous).days < WEEK:
            continue
        digests[who] = sorted(due, key=lambda item: (item.rule, item.text))
    return digests


async def _links(
    session: AsyncSession, who: Recipient, items: list[Item], at: Moment, settings: Settings
) -> list[Item]:
    """A fresh confirmation link where an item needs one (the link itself is never stored readable)."""
    ready = []
    for item in items:
        if item.rule == ADDRESS_UNCONFIRMED:
            payload = {"expression_id": item.extra["expression_id"]}
            token = await issue_link(
                session, CONFIRMATION, who.id, lifetime=CONFIRMATION_LIFETIME, payload=payload, revoke_earlier=False
            )
            item = Item(item.rule, item.subject_id, item.period, item.text, f"{item.url}{token}", item.essential)
            person = await session.get_one(Volunteer, who.id)
            person.reminded_at = at.now
        ready.append(item)
    return ready


async def send_digest(session: AsyncSession, who: Recipient, items: list[Item], at: Moment, settings: Settings) -> None:
    """Record the digest and its items, and queue the e-mail, all in the caller's transaction."""
    digest = ReminderDigest(recipient_id=who.id, sent_on=at.today, items=len(items))
    session.add(digest)
    await session.flush()  # a second worker's digest for this person today stops here
    session.add_all(
        ReminderSent(rule=i.rule, subject_id=i.subject_id, recipient_id=who.id, period=i.period, digest_id=digest.id)
        for i in items
    )
    await session.flush()
    volunteer = who.kind == "volunteer"
    await queue_templated_mail(
        session,
        "reminder_digest",
        to=who.email,
        category="reminder_digest",
        name=who.name,
        items=await _links(session, who, items, at, settings),
        stop_url=f"{settings.base_url}/reminders/stop/{sign(settings, STOP, who.id)}" if volunteer else "",
        account_url=f"{settings.base_url}/account/reminders",
    )
