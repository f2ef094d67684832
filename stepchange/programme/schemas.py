"""What the programme API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec


class MilestoneIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=300)]
    due_on: dt.date
    project: Annotated[str, msgspec.Meta(max_length=8)] | None = None


class MilestoneDoneIn(msgspec.Struct, forbid_unknown_fields=True):
    done_on: dt.date | None = None


class MilestoneOut(msgspec.Struct):
    id: UUID
    title: str
    project: str | None
    due_on: dt.date
    done_on: dt.date | None
    overdue: bool
    days_to_go: int | None
