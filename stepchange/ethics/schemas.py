"""What the ethics API receives and sends. Declaration text appears only in what ethics reviewers and the
programme office may read; co-chairs get :class:`ClearanceOut`, which carries none."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.ethics.models import ConflictKind, DeclarationOutcome, ProjectOutcome, ReviewState

Reason = Annotated[str, msgspec.Meta(max_length=2000)]
LongText = Annotated[str, msgspec.Meta(max_length=5000)]
Code = Annotated[str, msgspec.Meta(max_length=8)]


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: DeclarationOutcome
    reason: Reason
    mitigation: LongText = ""


class ReclassifyIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: ConflictKind | None = None
    projects: Annotated[list[Code], msgspec.Meta(max_length=40)] | None = None


class ReviewOut(msgspec.Struct):
    id: UUID
    outcome: DeclarationOutcome
    previous_state: ReviewState
    reason: str
    mitigation: str
    reviewer: str
    at: dt.datetime


class RecusalOut(msgspec.Struct):
    reviewer: str
    reason: str
    at: dt.datetime


class ReclassificationOut(msgspec.Struct):
    by: str
    at: dt.datetime
    changes: dict[str, object]


class ConflictOut(msgspec.Struct):
    """A declaration in the reviewers' queue."""

    id: UUID
    volunteer_id: UUID
    volunteer: str
    volunteer_organisation: str
    kind: ConflictKind
    organisation: str
    description: str
    projects: list[str]
    state: ReviewState
    declared_at: dt.datetime
    withdrawn_at: dt.datetime | None
    waiting_days: int
    reason: str | None
    mitigation: str | None
    reviewed_at: dt.datetime | None


class ConflictDetailOut(ConflictOut):
    """A declaration with its full history."""

    reviews: list[ReviewOut]
    recusals: list[RecusalOut]
    reclassifications: list[ReclassificationOut]


class ProjectReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: ProjectOutcome
    reason: Reason
    conditions: LongText = ""


class ProjectReviewOut(msgspec.Struct):
    id: UUID
    project: str
    outcome: ProjectOutcome
    conditions: str
    reason: str
    reviewer: str
    at: dt.datetime


class ProjectReviewSummaryOut(msgspec.Struct):
    """A project and the review that counts for it now."""

    project: str
    title: str
    workstream: str
    status: str
    cleared: bool
    review: ProjectReviewOut | None
