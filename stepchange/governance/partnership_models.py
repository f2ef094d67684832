"""Tables of a work-stream run as a partnership group (the Protect & Prepare guidance's recommendations).

- **Terms of reference**: versioned, in structured sections; one version at a time is published, and
  each roster member's acknowledgement of it is recorded with its time.
- **Subgroups**: a few members (from the roster, and volunteers placed on the work-stream's projects)
  focusing on one matter, with their own meetings, minutes and actions (``Meeting.subgroup_id`` and
  ``ActionItem.subgroup_id``: one meeting and one action model, so everything rolls up).
- **Maturity**: the office's matrix (areas, each with a descriptor for levels 1 to 5) and each
  work-stream's self-assessments against it, signed off by a co-chair.
"""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base, enum_type
from stepchange.core.record_merge import KEEP_ONE, on_merge_clash

LEVELS = (1, 2, 3, 4, 5)


class Cadence(enum.StrEnum):
    """How often the group meets, as its terms of reference agree."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"
    QUARTERLY = "quarterly"

    @property
    def days(self) -> int:
        return {"weekly": 7, "fortnightly": 14, "monthly": 30, "bimonthly": 61, "quarterly": 91}[self.value]

    @property
    def label(self) -> str:
        return "Every two months" if self is Cadence.BIMONTHLY else self.value.capitalize()


class TermsStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class Terms(Base):
    """One version of a work-stream's terms of reference, in the sections the guidance lists."""

    __tablename__ = "workstream_terms"
    __table_args__ = (UniqueConstraint("workstream_id", "version", name="uq_workstream_terms_version"),)

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[TermsStatus] = mapped_column(enum_type(TermsStatus, "workstream_terms_status"), index=True)
    mission: Mapped[str] = mapped_column(Text, default="")
    membership: Mapped[str] = mapped_column(Text, default="", doc="Why each member is there; what they contribute")
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence, "workstream_terms_cadence"))
    schedule: Mapped[str] = mapped_column(Text, default="", doc="When and where the group meets")
    subgroups: Mapped[str] = mapped_column(Text, default="")
    action_plans: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="", doc="How minutes are recorded and who may see them")
    etiquette: Mapped[str] = mapped_column(Text, default="")
    standing_items: Mapped[str] = mapped_column(Text, default="", doc="One standing agenda item a line")
    drafted_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    published_by: Mapped[str] = mapped_column(String(200), default="")

    @property
    def standing_list(self) -> list[str]:
        return [line.strip() for line in self.standing_items.splitlines() if line.strip()]


class TermsAcknowledgement(Base):
    """A roster member has read and agreed one version of the terms of reference."""

    __tablename__ = "workstream_terms_ack"
    __table_args__ = (UniqueConstraint("terms_id", "member_id", name="uq_workstream_terms_ack_member"),)

    terms_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_terms.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_member.id", ondelete="CASCADE"), index=True)
    acknowledged_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(200), doc="Who recorded it for the member; empty if they gave it")


subgroup_project = Table(
    "workstream_subgroup_project",
    Base.metadata,
    Column("subgroup_id", ForeignKey("workstream_subgroup.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)
"""The work-stream's projects a subgroup works on (optional)."""


class Subgroup(Base):
    """A smaller group within a work-stream, for a matter that does not need every member."""

    __tablename__ = "workstream_subgroup"
    __table_args__ = (UniqueConstraint("workstream_id", "name", name="uq_workstream_subgroup_name"),)

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True, default=None)

    members: Mapped[list[SubgroupMember]] = relationship(lazy="raise", cascade="all, delete-orphan")


class SubgroupMember(Base):
    """A subgroup's member: someone on the work-stream's roster, or a volunteer placed on one of its projects."""

    __tablename__ = "workstream_subgroup_member"
    __table_args__ = (
        UniqueConstraint("subgroup_id", "roster_member_id", name="uq_workstream_subgroup_member_roster"),
        UniqueConstraint("subgroup_id", "volunteer_id", name="uq_workstream_subgroup_member_volunteer"),
        on_merge_clash(KEEP_ONE),  # two records of one person in one subgroup: one membership
    )

    subgroup_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_subgroup.id", ondelete="CASCADE"), index=True)
    roster_member_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("workstream_member.id", ondelete="CASCADE"), nullable=True, default=None, index=True
    )
    volunteer_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), nullable=True, default=None, index=True
    )
    added_by: Mapped[str] = mapped_column(String(200))


class MaturityArea(Base):
    """One row of the office's maturity matrix: an aspect of a group's maturity, described at each level."""

    __tablename__ = "maturity_area"

    key: Mapped[str] = mapped_column(String(60), unique=True, doc="Stable name the seed matches on")
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    level_1: Mapped[str] = mapped_column(Text)
    level_2: Mapped[str] = mapped_column(Text)
    level_3: Mapped[str] = mapped_column(Text)
    level_4: Mapped[str] = mapped_column(Text)
    level_5: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def descriptors(self) -> list[str]:
        return [self.level_1, self.level_2, self.level_3, self.level_4, self.level_5]


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED_OFF = "signed_off"


class MaturityAssessment(Base):
    """A work-stream's self-assessment against the matrix on one date; a co-chair signs it off."""

    __tablename__ = "maturity_assessment"

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_type(AssessmentStatus, "maturity_assessment_status"), default=AssessmentStatus.DRAFT, index=True
    )
    assessed_by: Mapped[str] = mapped_column(String(200))
    signed_off_by: Mapped[str] = mapped_column(String(200), default="")
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)

    ratings: Mapped[list[MaturityRating]] = relationship(lazy="raise", cascade="all, delete-orphan")


class MaturityRating(Base):
    """One area of an assessment: the level reached, the evidence for it, and the next step."""

    __tablename__ = "maturity_rating"
    __table_args__ = (UniqueConstraint("assessment_id", "area_id", name="uq_maturity_rating_area"),)

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("maturity_assessment.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[UUID] = mapped_column(ForeignKey("maturity_area.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
