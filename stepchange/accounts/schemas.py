"""What the accounts API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.core.authz import StaffRole

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Organisation = Annotated[str, msgspec.Meta(max_length=200)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class StaffOut(msgspec.Struct):
    id: UUID
    email: str
    name: str
    role: StaffRole
    workstream: str | None
    organisation: str
    is_active: bool
    has_password: bool
    last_login_at: dt.datetime | None


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    name: Name
    role: StaffRole
    workstream: str | None = None
    organisation: Organisation = ""


class StaffChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    role: StaffRole | None = None
    workstream: str | None = None
    organisation: Organisation | None = None


class SetPasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    password: Password


class ResetRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class Accepted(msgspec.Struct):
    message: str


class AuditEntryOut(msgspec.Struct):
    id: UUID
    at: dt.datetime
    actor_id: UUID | None
    actor: str
    action: str
    subject_type: str
    subject_id: str | None
    summary: str
    changes: dict[str, object]
