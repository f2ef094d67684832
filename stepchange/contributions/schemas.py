"""What the time ledger's API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from stepchange.contributions.models import EntryStatus, TimeEntry
from stepchange.projects.models import Project


class TimeIn(msgspec.Struct, forbid_unknown_fields=True):
    project: Annotated[str, msgspec.Meta(max_length=8)]
    month: Annotated[str, msgspec.Meta(max_length=7, description="YYYY-MM")]
    hours: Annotated[float, msgspec.Meta(ge=0, le=10_000)]
    expenses_pence: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] = 0
    expense_kind: Annotated[str, msgspec.Meta(max_length=20, description="travel, refreshments or other")] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["confirmed", "queried"]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class TimeOut(msgspec.Struct):
    id: UUID
    project: str
    month: str
    hours: float
    expenses_pence: int
    expense_kind: str
    note: str
    status: EntryStatus
    review_note: str
    reviewed_by: str
    reviewed_at: dt.datetime | None
    logged_at: dt.datetime
    volunteer_id: UUID
    volunteer: str = ""
    """The giver's name, in the co-chairs' list (a volunteer's own list leaves it out)."""


def time_out(entry: TimeEntry, project: Project, volunteer: str = "") -> TimeOut:
    return TimeOut(
        id=entry.id,
        project=project.code,
        month=f"{entry.month:%Y-%m}",
        hours=entry.minutes / 60,
        expenses_pence=entry.expenses_pence,
        expense_kind=entry.expense_kind,
        note=entry.note,
        status=entry.status,
        review_note=entry.review_note,
        reviewed_by=entry.reviewed_by,
        reviewed_at=entry.reviewed_at,
        logged_at=entry.created_at,
        volunteer_id=entry.volunteer_id,
        volunteer=volunteer,
    )
