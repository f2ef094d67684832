"""A person's time on a project for a month is one entry. When two records of one person become one and both
logged time on the same project for the same month, the other record's entry is added to the survivor's:
hours, expenses and notes together, confirmed only if both were (otherwise it waits for the co-chairs again),
so no time is lost and none is counted twice."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.contributions.models import EntryStatus, TimeEntry

OTHER_KIND = "other"


class TimeLedgerMerge:
    """The time ledger's step before two records of a person are merged (``stepchange.people.facts``)."""

    async def before_merge(self, session: AsyncSession, survivor_id: UUID, other_id: UUID) -> None:
        entries = (
            await session.scalars(select(TimeEntry).where(TimeEntry.volunteer_id.in_([survivor_id, other_id])))
        ).all()
        by_month: dict[tuple[UUID, object], dict[UUID, TimeEntry]] = defaultdict(dict)
        for entry in entries:
            by_month[(entry.project_id, entry.month)][entry.volunteer_id] = entry
        for pair in by_month.values():
            if len(pair) == 2:
                add_up(pair[survivor_id], pair[other_id])
                await session.delete(pair[other_id])
        await session.flush()


def add_up(kept: TimeEntry, other: TimeEntry) -> None:
    """``other``'s time, expenses and note added to ``kept``."""
    if other.expenses_pence:
        same_kind = not kept.expenses_pence or kept.expense_kind == other.expense_kind
        kept.expense_kind = other.expense_kind if same_kind else OTHER_KIND
    kept.minutes += other.minutes
    kept.expenses_pence += other.expenses_pence
    kept.note = "\n".join(note for note in (kept.note, other.note) if note)
    if not kept.status == other.status == EntryStatus.CONFIRMED:
        kept.status = EntryStatus.PENDING
        kept.reviewed_by, kept.reviewed_at, kept.review_note = "", None, ""
