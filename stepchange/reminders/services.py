"""People's choices about reminders: staff pick a daily or weekly digest; volunteers may stop the
reminders that are not essential (transactional mail, and reminders about what they started, still go)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit
from stepchange.core.errors import InvalidInput
from stepchange.core.guards import Principal
from stepchange.people.models import Volunteer
from stepchange.reminders.models import Frequency, ReminderPreference

STAFF_CHOICES = (Frequency.DAILY, Frequency.WEEKLY)


async def frequency_of(session: AsyncSession, person_id: UUID) -> Frequency:
    choice = await session.scalar(select(ReminderPreference.frequency).where(ReminderPreference.person_id == person_id))
    return choice or Frequency.DAILY


async def _choose(session: AsyncSession, person_id: UUID, frequency: Frequency) -> None:
    preference = await session.scalar(select(ReminderPreference).where(ReminderPreference.person_id == person_id))
    if preference is None:
        session.add(ReminderPreference(person_id=person_id, frequency=frequency))
    else:
        preference.frequency = frequency


async def choose_digest(session: AsyncSession, actor: Principal, answer: str) -> Frequency:
    """A member of staff's choice of a daily or weekly digest (staff cannot stop reminders: it is their job)."""
    try:
        frequency = Frequency(answer)
    except ValueError:
        frequency = None
    if frequency not in STAFF_CHOICES:
        raise InvalidInput.one("frequency", "Select how often you want a summary of your reminders")
    await _choose(session, actor.id, frequency)
    await audit.record(
        session, actor, "reminders.frequency", subject_type="staff", subject_id=actor.id, summary=f"{frequency} digest"
    )
    return frequency


async def stop_reminders(session: AsyncSession, volunteer_id: UUID) -> bool:
    """A volunteer stops non-essential reminders by the link in a digest; ``False`` if they are unknown."""
    if await session.get(Volunteer, volunteer_id) is None:
        return False
    await _choose(session, volunteer_id, Frequency.STOPPED)
    await audit.record(
        session,
        None,
        "reminders.stopped",
        subject_type="volunteer",
        subject_id=volunteer_id,
        summary="Stopped reminders",
    )
    return True
