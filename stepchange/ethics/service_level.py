"""How long a declaration may wait for an ethics review: the service level, in working days.

The ethics reviewers' home marks what has waited too long and the daily reminders chase it; both ask
here, with ``STEPCHANGE_ETHICS_SERVICE_DAYS``, so the page and the e-mail never disagree.
"""

from __future__ import annotations

import datetime as dt

from stepchange.core import clock


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days after ``start`` up to and including ``end`` (bank holidays are not known)."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(1, extra + 1):
        if (start + dt.timedelta(days=offset)).weekday() < 5:
            days += 1
    return days


def is_overdue(made: dt.datetime, today: dt.date, service_days: int) -> bool:
    """Whether something made at ``made`` has waited more than ``service_days`` working days by ``today``."""
    return working_days_between(clock.uk_day(made), today) > service_days


def overdue_before(today: dt.date, service_days: int) -> dt.datetime:
    """The start (UK midnight) of the first day whose declarations have not yet waited past the service level:
    anything made before it is overdue (what ``is_overdue`` says of each, as one bound a query can use)."""
    day = today
    while working_days_between(day, today) <= service_days:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clock.UK)
