"""What the work-stream API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.governance.models import ActionStatus, AttendanceStatus, MeetingStatus, MemberKind, Seat

# --- governance: what the work-stream governance API receives and sends ---------------------------

Title = Annotated[str, msgspec.Meta(max_length=200)]
Organisation = Annotated[str, msgspec.Meta(max_length=200)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
LongReason = Annotated[str, msgspec.Meta(max_length=1000)]
Notes = Annotated[str, msgspec.Meta(max_length=10_000)]
MinutesText = Annotated[str, msgspec.Meta(max_length=200_000)]


class AppointIn(msgspec.Struct, forbid_unknown_fields=True):
    """Appoint someone to a seat; ``replace`` ends the current holder's appointment in the same step."""

    staff_user_id: UUID
    seat: Seat
    organisation: Organisation | None = None
    starts_on: dt.date | None = None
    replace: bool = False


class AppointmentChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    organisation: Organisation


class EndIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class AppointmentOut(msgspec.Struct):
    id: UUID
    workstream: str
    seat: Seat
    staff_user_id: UUID
    name: str
    organisation: str
    starts_on: dt.date
    ended_on: dt.date | None
    ended_reason: str
    appointed_by: str
    ended_by: str
    current: bool


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new member: a member of staff (name and organisation default to theirs) or a volunteer."""

    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    organisation: Organisation = ""
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""
    staff_user_id: UUID | None = None
    deputy_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    deputy_organisation: Organisation = ""


class MemberChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    organisation: Organisation | None = None
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None
    deputy_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    deputy_organisation: Organisation | None = None


class MemberOut(msgspec.Struct):
    id: UUID
    kind: MemberKind
    staff_user_id: UUID | None
    name: str
    organisation: str
    email: str
    deputy_name: str
    deputy_organisation: str
    joined_on: dt.date
    left_on: dt.date | None


class MeetingIn(msgspec.Struct, forbid_unknown_fields=True):
    """``starts_at`` without a time zone is UK time, as people say it."""

    title: Title = ""
    starts_at: dt.datetime | None = None
    location: Title = ""
    extra_agenda: Annotated[list[Title], msgspec.Meta(max_length=30)] = []


class AttendanceEntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """One line of the register: a roster member by id, or a guest by name."""

    status: AttendanceStatus
    member_id: UUID | None = None
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    organisation: Organisation = ""
    represented_by: Annotated[str, msgspec.Meta(max_length=200)] = ""


class AttendanceIn(msgspec.Struct, forbid_unknown_fields=True):
    entries: Annotated[list[AttendanceEntryIn], msgspec.Meta(min_length=1, max_length=200)]


class AgendaItemOut(msgspec.Struct):
    position: int
    title: str
    standing: bool


class AttendanceOut(msgspec.Struct):
    member_id: UUID | None
    name: str
    organisation: str
    status: AttendanceStatus
    represented_by: str


class MeetingOut(msgspec.Struct):
    id: UUID
    workstream: str
    title: str
    starts_at: dt.datetime
    location: str
    status: MeetingStatus
    cancelled_reason: str


class MeetingDetail(MeetingOut):
    agenda: list[AgendaItemOut]
    attendance: list[AttendanceOut]
    has_minutes: bool


class StandingItemsIn(msgspec.Struct, forbid_unknown_fields=True):
    items: Annotated[list[Title], msgspec.Meta(max_length=30)]


class StandingItemsOut(msgspec.Struct):
    items: list[str]


class MinutesIn(msgspec.Struct, forbid_unknown_fields=True):
    """``version`` is the version the writer started from: absent (or 0) for the first draft."""

    text: MinutesText
    version: int | None = None


class MinutesReadOut(msgspec.Struct):
    reader_id: UUID
    reader: str
    first_read_at: dt.datetime
    last_read_at: dt.datetime
    read_count: int


class MinutesOut(msgspec.Struct):
    meeting_id: UUID
    text: str
    version: int
    written_by: str
    written_at: dt.datetime
    reads: list[MinutesReadOut]


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Owner and due date are required; they are checked by the service so the refusal names them."""

    title: Annotated[str, msgspec.Meta(max_length=300)] = ""
    owner: Annotated[str, msgspec.Meta(max_length=200)] = ""
    owner_staff_id: UUID | None = None
    due_on: dt.date | None = None
    notes: Notes = ""
    meeting_id: UUID | None = None
    subgroup_id: UUID | None = None


class ActionChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    version: int | None = None
    title: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    owner: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    due_on: dt.date | None = None
    status: ActionStatus | None = None
    notes: Notes | None = None


class EscalateIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: LongReason = ""


class ActionOut(msgspec.Struct):
    id: UUID
    workstream: str
    meeting_id: UUID | None
    title: str
    owner: str
    owner_staff_id: UUID | None
    due_on: dt.date
    status: ActionStatus
    notes: str
    overdue: bool
    escalated_at: dt.datetime | None
    escalation_reason: str
    escalated_by: str
    version: int
    subgroup_id: UUID | None = None
