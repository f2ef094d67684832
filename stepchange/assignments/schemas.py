"""What the assignments API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.assignments.models import AssignmentRole, AssignmentStatus


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    volunteer_id: UUID
    project: Annotated[str, msgspec.Meta(max_length=8)]
    role: AssignmentRole
    hours: Annotated[int, msgspec.Meta(ge=1, le=160)] | None = None


class AssignmentOut(msgspec.Struct):
    id: UUID
    volunteer_id: UUID
    volunteer: str
    project: str
    role: AssignmentRole
    status: AssignmentStatus
    hours: int | None
    offered_by: str
    created_at: dt.datetime
    responded_at: dt.datetime | None
    ended_at: dt.datetime | None
    ended_reason: str


class RuleOut(msgspec.Struct):
    rule: str
    message: str


class EligibilityOut(msgspec.Struct):
    """Whether a person may be offered a place, and every rule that stands in the way."""

    volunteer_id: UUID
    project: str
    role: AssignmentRole
    eligible: bool
    rules: list[RuleOut]
