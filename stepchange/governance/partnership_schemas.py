"""What the terms-of-reference, subgroup and maturity API receives and sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from stepchange.governance.partnership_models import AssessmentStatus, Cadence, TermsStatus
from stepchange.governance.schemas import MeetingOut, Title

Section = Annotated[str, msgspec.Meta(max_length=20_000)]
Line = Annotated[str, msgspec.Meta(max_length=200)]
Evidence = Annotated[str, msgspec.Meta(max_length=5_000)]


class TermsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The draft's sections; a mission and a cadence are needed (checked by the service, naming the field)."""

    mission: Section = ""
    membership: Section = ""
    cadence: Cadence | None = None
    schedule: Section = ""
    subgroups: Section = ""
    action_plans: Section = ""
    minutes: Section = ""
    etiquette: Section = ""
    standing_items: Annotated[list[Line], msgspec.Meta(max_length=30)] = []


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    """The draft's version as the publisher read it: a draft changed since is not published unread."""

    version: int = 0


class AcknowledgeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Leave ``member_id`` out to acknowledge as yourself; those who run the work-stream may record another's."""

    member_id: UUID | None = None


class TermsOut(msgspec.Struct):
    id: UUID
    workstream: str
    version: int
    status: TermsStatus
    mission: str
    membership: str
    cadence: Cadence
    schedule: str
    subgroups: str
    action_plans: str
    minutes: str
    etiquette: str
    standing_items: list[str]
    drafted_by: str
    published_at: dt.datetime | None
    published_by: str


class AcknowledgementOut(msgspec.Struct):
    member_id: UUID
    name: str
    organisation: str
    acknowledged_at: dt.datetime | None
    recorded_by: str


class OffCadenceOut(msgspec.Struct):
    meeting_id: UUID
    title: str
    starts_at: dt.datetime
    days_since_previous: int


class TermsView(msgspec.Struct):
    published: TermsOut | None
    draft: TermsOut | None
    acknowledgements: list[AcknowledgementOut]
    not_acknowledged: int
    off_cadence: list[OffCadenceOut]


class SubgroupIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Title = ""
    purpose: Annotated[str, msgspec.Meta(max_length=5_000)] = ""
    lead: Title = ""
    projects: Annotated[list[Annotated[str, msgspec.Meta(max_length=8)]], msgspec.Meta(max_length=40)] = []


class SubgroupMemberIn(msgspec.Struct, forbid_unknown_fields=True):
    """A member of the roster, or a volunteer placed on one of the work-stream's projects: exactly one."""

    roster_member_id: UUID | None = None
    volunteer_id: UUID | None = None


class SubgroupMemberOut(msgspec.Struct):
    id: UUID
    kind: Literal["roster", "volunteer"]
    roster_member_id: UUID | None
    volunteer_id: UUID | None
    name: str
    organisation: str


class SubgroupOut(msgspec.Struct):
    id: UUID
    workstream: str
    name: str
    purpose: str
    lead: str
    projects: list[str]


class SubgroupDetail(SubgroupOut):
    members: list[SubgroupMemberOut]
    meetings: list[MeetingOut]


class AreaIn(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(max_length=60)] = ""
    title: Title = ""
    descriptors: Annotated[list[Evidence], msgspec.Meta(max_length=5)] = []


class AreaChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    descriptors: Annotated[list[Evidence], msgspec.Meta(max_length=5)] | None = None
    active: bool | None = None


class AreaOut(msgspec.Struct):
    id: UUID
    key: str
    position: int
    title: str
    descriptors: list[str]
    active: bool


class RatingIn(msgspec.Struct, forbid_unknown_fields=True):
    area_id: UUID
    level: int | None = None
    evidence: Evidence = ""
    next_step: Evidence = ""


class AssessmentIn(msgspec.Struct, forbid_unknown_fields=True):
    assessed_on: dt.date | None = None
    ratings: Annotated[list[RatingIn], msgspec.Meta(max_length=40)] = []


class RatingOut(msgspec.Struct):
    area_id: UUID
    area: str
    level: int
    evidence: str
    next_step: str


class AssessmentOut(msgspec.Struct):
    id: UUID
    workstream: str
    assessed_on: dt.date
    status: AssessmentStatus
    assessed_by: str
    signed_off_by: str
    signed_off_at: dt.datetime | None
    ratings: list[RatingOut]


class MovementOut(msgspec.Struct):
    area: str
    level: int | None
    previous: int | None
    movement: int | None


class MaturityView(msgspec.Struct):
    """The latest signed-off assessment against the one before, area by area; and any draft."""

    latest: AssessmentOut | None
    previous: AssessmentOut | None
    movements: list[MovementOut]
    drafts: list[AssessmentOut]
