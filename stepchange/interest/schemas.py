"""What the interest API receives and sends.

The structs check types and sizes (a 400 naming the field); the service checks the programme's rules
and names every failing field at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.ethics.models import ConflictKind, ReviewState
from stepchange.interest.models import ChoiceRole, ExpressionStatus
from stepchange.people.models import Identity

Short = Annotated[str, msgspec.Meta(max_length=200)]
Code = Annotated[str, msgspec.Meta(max_length=8)]
LongText = Annotated[str, msgspec.Meta(max_length=5000)]


class ChoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    project: Code
    rank: Annotated[int, msgspec.Meta(ge=1, le=40)]
    role: ChoiceRole


class DeclarationIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: ConflictKind
    description: LongText
    organisation: Short = ""
    projects: Annotated[list[Code], msgspec.Meta(max_length=40)] = []


class SubmissionIn(msgspec.Struct, forbid_unknown_fields=True):
    """An expression of interest as the public form or an API client sends it."""

    name: Short
    email: Annotated[str, msgspec.Meta(max_length=320)]
    phone: Annotated[str, msgspec.Meta(max_length=40)]
    organisation: Short
    job_title: Short
    sector: Short
    choices: Annotated[list[ChoiceIn], msgspec.Meta(max_length=40)]
    hours_per_month: int
    confidentiality_accepted: bool
    experience: LongText = ""
    no_conflicts: bool = False
    conflicts: Annotated[list[DeclarationIn], msgspec.Meta(max_length=20)] = []
    credentials: Annotated[list[Short], msgspec.Meta(max_length=10)] = []
    call: UUID | None = None


class SubmissionOut(msgspec.Struct):
    """The same answer whether or not the address was known: nothing to enumerate."""

    id: UUID
    status: ExpressionStatus
    message: str


class VerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ResendIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class Confirmed(msgspec.Struct):
    status: ExpressionStatus
    call: str
    message: str


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Short
    opens_at: Annotated[str, msgspec.Meta(max_length=40, description="UK time: 2026-12-01 or 2026-12-01T09:00")]
    closes_at: Annotated[str, msgspec.Meta(max_length=40, description="UK time; a bare date means the end of it")]
    projects: Annotated[list[Code], msgspec.Meta(max_length=40)]


class CallEditIn(msgspec.Struct, forbid_unknown_fields=True):
    """A call's new window and projects (the whole of each: what is not named leaves the call)."""

    opens_at: Annotated[str, msgspec.Meta(max_length=40, description="UK time: 2026-12-01 or 2026-12-01T09:00")]
    closes_at: Annotated[str, msgspec.Meta(max_length=40, description="UK time; a bare date means the end of it")]
    projects: Annotated[list[Code], msgspec.Meta(max_length=40)]


class CallChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    closes_at: Annotated[str, msgspec.Meta(max_length=40)]


class CallOut(msgspec.Struct):
    id: UUID
    name: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    closed_early_at: dt.datetime | None
    is_open: bool
    projects: list[str]


class ChoiceOut(msgspec.Struct):
    project: str
    rank: int
    role: ChoiceRole


class ExpressionOut(msgspec.Struct):
    id: UUID
    call: str
    status: ExpressionStatus
    submitted_at: dt.datetime
    late: bool
    hours_per_month: int
    choices: list[ChoiceOut]


class VolunteerOut(msgspec.Struct):
    """A person as the office sees them; declarations' text is never here."""

    id: UUID
    name: str
    email: str
    organisation: str
    job_title: str
    sector: str
    identity: Identity
    hours_per_month: int
    created_at: dt.datetime
    expressions: list[ExpressionOut]


class ValidationIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Identity
    evidence: LongText


class VouchIn(msgspec.Struct, forbid_unknown_fields=True):
    note: LongText


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    text: LongText


class NoteOut(msgspec.Struct):
    author: str
    text: str
    created_at: dt.datetime


class IdentityStepOut(msgspec.Struct):
    step: Identity
    by: str
    how: str
    at: dt.datetime


class DeclarationStateOut(msgspec.Struct):
    """What the office's people views show of a declaration: never its text."""

    id: UUID
    kind: ConflictKind
    projects: list[str]
    state: ReviewState
    declared_at: dt.datetime


class PersonOut(VolunteerOut):
    """One person's page for the office: identity history, notes, and declarations' review state."""

    identity_history: list[IdentityStepOut]
    notes: list[NoteOut]
    declarations: list[DeclarationStateOut]


class MergeIn(msgspec.Struct, forbid_unknown_fields=True):
    other_id: UUID


class LateEntryIn(SubmissionIn, forbid_unknown_fields=True):
    late_reason: LongText = ""
