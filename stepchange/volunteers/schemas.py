"""What the self-service API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.ethics.models import ConflictKind, ReviewState
from stepchange.interest.schemas import ChoiceIn, ExpressionOut
from stepchange.people.models import Identity


class LinkRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ChoicesIn(msgspec.Struct, forbid_unknown_fields=True):
    choices: Annotated[list[ChoiceIn], msgspec.Meta(max_length=40)]
    hours_per_month: int


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True):
    project: Annotated[str, msgspec.Meta(max_length=8)]


class MyDeclarationOut(msgspec.Struct):
    id: UUID
    kind: ConflictKind
    description: str
    organisation: str
    projects: list[str]
    review: ReviewState
    withdrawn: bool


class MyAssignmentOut(msgspec.Struct):
    project: str
    role: str
    status: str


class MyRecordOut(msgspec.Struct):
    id: UUID
    name: str
    email: str
    identity: Identity
    hours_per_month: int
    expressions: list[ExpressionOut]
    declarations: list[MyDeclarationOut]
    assignments: list[MyAssignmentOut]


class ErasureRefusalIn(msgspec.Struct):
    """Why the office refuses to erase (the person is told)."""

    reason: str


class ErasureRequestOut(msgspec.Struct):
    volunteer_id: UUID
    requested_at: dt.datetime
    carried_out_at: dt.datetime | None
