"""The reminders that chase volunteers: an address not confirmed, an offer not answered, time not logged.

Each finder returns every item due now; the digest leaves out those already sent (:mod:`.digests`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.assignments.rules import LAPSE_AFTER
from stepchange.core.settings import Settings
from stepchange.interest.models import Expression, ExpressionStatus
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project
from stepchange.reminders.items import ONCE, Found, Item, Moment, Recipient

UNCONFIRMED_AFTER = dt.timedelta(days=3)
UNANSWERED_AFTER = dt.timedelta(days=7)

ADDRESS_UNCONFIRMED = "address_unconfirmed"
OFFER_UNANSWERED = "offer_unanswered"
LOG_TIME = "log_time"


def as_recipient(person: Volunteer) -> Recipient:
    return Recipient("volunteer", person.id, person.email, person.name, "volunteer")


async def address_unconfirmed(session: AsyncSession, at: Moment, settings: Settings) -> Found:
    """Once, with a fresh link, to people whose address is still not confirmed three days after they
    registered interest (never again, and not if they were reminded before)."""
    rows = await session.execute(
        select(Volunteer, Expression.id)
        .join(Expression, Expression.volunteer_id == Volunteer.id)
        .where(
            Volunteer.identity == Identity.SUBMITTED,
            Volunteer.reminded_at.is_(None),
            Volunteer.erased_at.is_(None),
            Expression.status == ExpressionStatus.AWAITING_CONFIRMATION,
            Expression.submitted_at < at.now - UNCONFIRMED_AFTER,
        )
        .order_by(Expression.submitted_at.desc())
    )
    found: dict[Volunteer, Item] = {}
    for person, expression_id in rows.all():
        found.setdefault(
            person,
            Item(
                ADDRESS_UNCONFIRMED,
                person.id,
                ONCE,
                "Confirm your email address so the programme office can consider your expression of interest",
                f"{settings.base_url}/interest/verify/",
                essential=True,
                extra={"expression_id": str(expression_id)},
            ),
        )
    return [(as_recipient(person), item) for person, item in found.items()]


async def offer_unanswered(session: AsyncSession, at: Moment, settings: Settings) -> Found:
    """Once, to people who have not answered an offer of a place after seven days."""
    rows = await session.execute(
        select(Volunteer, Assignment, Project)
        .join(Assignment, Assignment.volunteer_id == Volunteer.id)
        .join(Project, Project.id == Assignment.project_id)
        .where(
            Assignment.status == AssignmentStatus.OFFERED,
            Assignment.created_at < at.now - UNANSWERED_AFTER,
            Volunteer.erased_at.is_(None),
        )
    )
    found: Found = []
    for person, offer, project in rows.all():
        lapses = (offer.created_at + LAPSE_AFTER).date()
        text = (
            f"Answer the offer of a {offer.role.value} place on {project.code} {project.title}: "
            f"it lapses on {lapses:%-d %B %Y} if you do not answer"
        )
        item = Item(OFFER_UNANSWERED, offer.id, ONCE, text, f"{settings.base_url}/my", essential=True)
        found.append((as_recipient(person), item))
    return found


async def log_time(session: AsyncSession, at: Moment, settings: Settings) -> Found:
    """Once a month, to people holding a place: log the time you gave and your expenses."""
    rows = await session.execute(
        select(Volunteer)
        .join(Assignment, Assignment.volunteer_id == Volunteer.id)
        .where(Assignment.status == AssignmentStatus.ACCEPTED, Volunteer.erased_at.is_(None))
        .distinct()
    )
    month = f"{at.today:%Y-%m}"
    text = f"Log the time you gave the programme in {at.today:%B %Y}, and any expenses"
    return [
        (as_recipient(person), Item(LOG_TIME, person.id, month, text, f"{settings.base_url}/my"))
        for person in rows.scalars().all()
    ]


VOLUNTEER_RULES = (address_unconfirmed, offer_unanswered, log_time)
