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
Code = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, description="6 digits from the app, or a recovery code")
]


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
    mfa_enrolled: bool


class SignedIn(StaffOut, tag_field="stage", tag="signed_in"):
    """Signed in: the member of staff, with ``"stage": "signed_in"``."""


class CodeNeeded(msgspec.Struct, tag_field="stage", tag="mfa"):
    """The password was right; now the code from the authenticator app (or a recovery code)."""

    message: str = "Enter the code from your authenticator app, or one of your recovery codes"


class EnrolmentNeeded(msgspec.Struct, tag_field="stage", tag="mfa_setup"):
    """The password was right; this account must set up an authenticator app before anything else."""

    message: str = "Set up an authenticator app: POST /api/auth/mfa/setup, then confirm with its first code"


class Enrolled(StaffOut, tag_field="stage", tag="signed_in"):
    """Enrolment confirmed and signed in: the ten recovery codes, shown this once."""

    recovery_codes: list[str]


class CodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code


class EnrolmentOut(msgspec.Struct):
    secret: str
    uri: str


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
