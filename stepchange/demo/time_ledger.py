"""The time ledger: people holding a place log, most months, the hours they gave their project and any
unreimbursed expenses; the project's co-chairs confirm most entries, query a few, and the latest wait.

Entries are what ``ContributionService.log`` and ``review`` would have written: one per person, project
and month, from the month the place began (UK time) to the month it ended or the current one, logged
after the month began and before the anchor day; a query always has its note; notes encrypted as stored.
"""

from __future__ import annotations

import datetime as dt

from stepchange.contributions.models import EntryStatus, ExpenseKind, TimeEntry
from stepchange.contributions.services import MAX_HOURS, MIN_HOURS, PLACE_HELD
from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Chunk, Newcomer, Place, stamp
from stepchange.demo.vocabulary import QUERIES, TIME_NOTES
from stepchange.governance.models import Seat

LOGS = 0.8
"""The share of months a person holding a place logs their time for."""
REVIEWED_AFTER_HOURS = (24.0, 24.0 * 14)


def months(place: Place, today: dt.date) -> list[dt.date]:
    """The first days of the months the place was held in, up to this month."""
    assert place.responded is not None  # a held place was answered
    month = place.responded.astimezone(clock.UK).date().replace(day=1)
    last = (place.ended.astimezone(clock.UK).date() if place.ended else today).replace(day=1)
    found = []
    while month <= last:
        found.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return found


def entries(chunk: Chunk, someone: Newcomer) -> None:
    """The person's monthly entries on the place they hold (or held), each reviewed or waiting."""
    place = someone.place
    if place is None or place.status not in PLACE_HELD or place.responded is None:
        return
    gen, rng = chunk.gen, chunk.rng
    for month in months(place, gen.today):
        start = max(clock.start_of_day_uk(month), place.responded)
        logged = gen.between(start, gen.now)
        if logged >= gen.now or rng.random() >= LOGS:
            continue
        hours = min(MAX_HOURS, max(MIN_HOURS, round(someone.hours * rng.uniform(0.3, 1.2) * 2) / 2))
        pence = rng.randrange(250, 6_000) if rng.random() < 0.3 else 0
        entry_id = gen.new_id()
        chunk.add(
            TimeEntry,
            id=entry_id,
            volunteer_id=someone.id,
            project_id=place.project.id,
            month=month,
            minutes=round(hours * 60),
            expenses_pence=pence,
            expense_kind=rng.choice(list(ExpenseKind)).value if pence else "",
            note=rng.choice(TIME_NOTES) if rng.random() < 0.4 else "",
            **review(chunk, place, month, hours, logged),
            **stamp(logged),
        )
        summary = f"{place.project.code} {month:%Y-%m}: {hours:g} hours, {pence} pence expenses"
        chunk.audit(None, "time.logged", someone.id, summary, logged)


def review(chunk: Chunk, place: Place, month: dt.date, hours: float, logged: dt.datetime) -> dict[str, object]:
    """A co-chair's confirmation (most) or query (a few, always with a note), or nothing yet."""
    gen, rng = chunk.gen, chunk.rng
    reviewed = gen.after(logged, *REVIEWED_AFTER_HOURS)
    if reviewed is None or rng.random() < 0.15:
        return {"status": EntryStatus.PENDING, "reviewed_by": "", "reviewed_at": None, "review_note": ""}
    seat = rng.choice((Seat.BUSINESS_CO_CHAIR, Seat.POLICE_CO_CHAIR))
    chair = gen.seats[place.project.workstream_id][seat][0]
    queried = rng.random() < 0.12
    status = EntryStatus.QUERIED if queried else EntryStatus.CONFIRMED
    summary = f"{place.project.code} {month:%Y-%m}: {hours:g} hours {status.value}"
    chunk.rows[AuditEntry].append(
        gen.audit(chair, f"time.{status.value}", "project", place.project.code, summary, reviewed, {})
    )
    return {
        "status": status,
        "reviewed_by": chair.label,
        "reviewed_at": reviewed,
        "review_note": rng.choice(QUERIES) if queried else "",
    }
