"""What the assignments API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.assignments.models import AssignmentRole, AssignmentStatus
from stepchange.ethics.models import ProjectOutcome
from stepchange.interest.models import ChoiceRole


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


# --- who is cleared for a project (what co-chairs may know) -----------------------------------------


class AssignmentBrief(msgspec.Struct):
    role: AssignmentRole
    status: AssignmentStatus


class PersonClearanceOut(msgspec.Struct):
    volunteer_id: UUID
    name: str
    organisation: str
    interested_as: ChoiceRole | None
    assignment: AssignmentBrief | None
    cleared_for_this_project: bool


class ClearanceOut(msgspec.Struct):
    """What a co-chair may know: the project's clearance and who is cleared for it, never a declaration."""

    project: str
    ethics_cleared: bool
    outcome: ProjectOutcome | None
    conditions: str
    people: list[PersonClearanceOut]
