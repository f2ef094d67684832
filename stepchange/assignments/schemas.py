"""What the assignments API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import msgspec

from stepchange.assignments.models import AssignmentRole, AssignmentStatus
from stepchange.ethics.models import ProjectOutcome
from stepchange.interest.models import ChoiceRole

if TYPE_CHECKING:
    from stepchange.assignments.services import Placed

Override = Annotated[str, msgspec.Meta(max_length=500)]
"""A coordinator's reason for offering more hours than the person offered."""


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    volunteer_id: UUID
    project: Annotated[str, msgspec.Meta(max_length=8)]
    role: AssignmentRole
    hours: Annotated[int, msgspec.Meta(ge=1, le=160)] | None = None
    override: Override = ""
    confirm_uncleared: Annotated[
        bool,
        msgspec.Meta(
            description="Offer even though the project's commercial-advantage review has not cleared it yet. "
            "An API call is a deliberate act, so this is true unless sent as false (then such an offer is "
            "refused, 409 project_not_cleared); the pages ask the office to confirm instead."
        ),
    ] = True


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


def assignment_out(placed: Placed) -> AssignmentOut:
    """A place as the assignments and desk APIs send it."""
    assignment = placed.assignment
    return AssignmentOut(
        id=assignment.id,
        volunteer_id=assignment.volunteer_id,
        volunteer=placed.name,
        project=placed.code,
        role=assignment.role,
        status=assignment.status,
        hours=assignment.hours,
        offered_by=assignment.offered_by,
        created_at=assignment.created_at,
        responded_at=assignment.responded_at,
        ended_at=assignment.ended_at,
        ended_reason=assignment.ended_reason,
    )


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
