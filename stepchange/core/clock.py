"""The one clock: every "now" in the service comes from :func:`now`, so tests can move time in one place.

Also the UK-time helpers: the programme works in Europe/London, the database keeps UTC instants.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def now() -> dt.datetime:
    """The current instant in UTC (tests replace this function to move the clock)."""
    return dt.datetime.now(dt.UTC)


def uk_today() -> dt.date:
    """Today in Europe/London: what "overdue", "due" and appointment dates are measured by."""
    return now().astimezone(UK).date()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A time as people enter it: without a zone it is UK time."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UK)).astimezone(dt.UTC)


def start_of_day_uk(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in Europe/London, as a UTC instant."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=UK).astimezone(dt.UTC)


def end_of_day_uk(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` ends in Europe/London: "closing 25 May" means this."""
    return start_of_day_uk(day + dt.timedelta(days=1))


def uk_day(moment: dt.datetime) -> dt.date:
    """The UK calendar day an instant falls on (a naive time is taken as UTC, as the database keeps it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(UK).date()


def parse_uk_moment(value: str, *, end_of_day: bool = False) -> dt.datetime:
    """A date or date-time as people type it (ISO, UK time), as a UTC instant.

    A bare date (``2026-12-01``) means its start, or with ``end_of_day`` the first instant after it
    (a call "closing 1 December" takes answers all that day). Raises :class:`ValueError` when ``value``
    is neither.
    """
    text = value.strip()
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        return end_of_day_uk(day) if end_of_day else start_of_day_uk(day)
    return as_utc(dt.datetime.fromisoformat(text))
