"""Governance tables: how each work-stream is governed.

Governance follows the Protect & Prepare guidance: co-chairs and their deputies (appointments, with
history), the roster of members, meetings with agendas, attendance and confidential minutes, and the
action log with escalation to the programme board.

Minutes, actions' notes and escalation reasons are encrypted at rest with ``STEPCHANGE_ENCRYPTION_KEY``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base, enum_type, sealed_text
from stepchange.workstreams.models import Workstream

if TYPE_CHECKING:
    from stepchange.accounts.models import StaffUser


def _while_current(column: str) -> dict[str, Any]:
    """A partial index's condition on both engines: only rows still current (not ended or left)."""
    condition = text(f"{column} IS NULL")
    return {"sqlite_where": condition, "postgresql_where": condition}


class Seat(enum.StrEnum):
    """The four seats of a work-stream: a business and a police co-chair, each with a deputy."""

    BUSINESS_CO_CHAIR = "business_co_chair"
    POLICE_CO_CHAIR = "police_co_chair"
    BUSINESS_DEPUTY = "business_deputy"
    POLICE_DEPUTY = "police_deputy"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").replace("co chair", "co-chair").capitalize()


class Appointment(Base):
    """Someone holding a seat from ``starts_on`` until ``ended_on``; ended appointments are the history."""

    __tablename__ = "workstream_appointment"
    __table_args__ = (
        Index(
            "uq_workstream_appointment_current_seat", "workstream_id", "seat", unique=True, **_while_current("ended_on")
        ),
        Index(
            "uq_workstream_appointment_current_person",
            "workstream_id",
            "staff_user_id",
            unique=True,
            **_while_current("ended_on"),
        ),
    )

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    staff_user_id: Mapped[UUID] = mapped_column(ForeignKey("staff_user.id", ondelete="RESTRICT"), index=True)
    seat: Mapped[Seat] = mapped_column(enum_type(Seat, "workstream_seat"))
    organisation: Mapped[str] = mapped_column(String(200), doc="Copied from the person when appointed; editable")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True, default=None)
    ended_reason: Mapped[str] = mapped_column(String(500), default="")
    appointed_by: Mapped[str] = mapped_column(String(200))
    ended_by: Mapped[str] = mapped_column(String(200), default="")

    staff_user: Mapped[StaffUser] = relationship(lazy="joined", innerjoin=True)


class MemberKind(enum.StrEnum):
    STAFF = "staff"
    VOLUNTEER = "volunteer"


class RosterMember(Base):
    """A member of a work-stream's group, with their organisation and, for resilience, a deputy."""

    __tablename__ = "workstream_member"
    __table_args__ = (
        Index(
            "uq_workstream_member_current_staff",
            "workstream_id",
            "staff_user_id",
            unique=True,
            **_while_current("left_on"),
        ),
    )

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[MemberKind] = mapped_column(enum_type(MemberKind, "workstream_member_kind"))
    staff_user_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="RESTRICT"), nullable=True, default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="", doc="Lower case; personal")
    deputy_name: Mapped[str] = mapped_column(String(200), default="")
    deputy_organisation: Mapped[str] = mapped_column(String(200), default="")
    joined_on: Mapped[dt.date] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True, default=None)


class StandingAgendaItem(Base):
    """An item every meeting of the work-stream's group starts its agenda with."""

    __tablename__ = "workstream_standing_item"

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class Meeting(Base):
    """A meeting of a work-stream's group: scheduled ahead, then held (with minutes) or cancelled."""

    __tablename__ = "workstream_meeting"

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, "workstream_meeting_status"), default=MeetingStatus.SCHEDULED
    )
    cancelled_reason: Mapped[str] = mapped_column(String(500), default="")
    scheduled_by: Mapped[str] = mapped_column(String(200))
    subgroup_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("workstream_subgroup.id", ondelete="RESTRICT"), nullable=True, default=None, index=True
    )

    agenda: Mapped[list[AgendaItem]] = relationship(
        order_by="AgendaItem.position", lazy="raise", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        order_by="Attendance.name", lazy="raise", cascade="all, delete-orphan"
    )


class AgendaItem(Base):
    """One item of a meeting's agenda: a copy of a standing item, or an extra one for this meeting."""

    __tablename__ = "workstream_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "position", name="uq_workstream_agenda_item_position"),)

    meeting_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    standing: Mapped[bool] = mapped_column(Boolean, default=False)


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"


class Attendance(Base):
    """Whether a member (or a guest, by name) came to a meeting, sent apologies, or was absent."""

    __tablename__ = "workstream_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "name", name="uq_workstream_attendance_meeting_name"),)

    meeting_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_meeting.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("workstream_member.id", ondelete="SET NULL"), nullable=True, default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[AttendanceStatus] = mapped_column(enum_type(AttendanceStatus, "workstream_attendance_status"))
    represented_by: Mapped[str] = mapped_column(String(200), default="", doc="The deputy who came in their place")


class Minutes(Base):
    """The minutes of one meeting: confidential to the work-stream's members and the office.

    ``version`` guards against lost edits: a save based on an older version is refused.
    """

    __tablename__ = "workstream_minutes"

    meeting_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_meeting.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(sealed_text())
    written_by_id: Mapped[UUID | None] = mapped_column(nullable=True)
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class MinutesRead(Base):
    """Who has read a meeting's minutes: first and last time, and how often."""

    __tablename__ = "workstream_minutes_read"
    __table_args__ = (UniqueConstraint("minutes_id", "reader_id", name="uq_workstream_minutes_read_reader"),)

    minutes_id: Mapped[UUID] = mapped_column(ForeignKey("workstream_minutes.id", ondelete="CASCADE"), index=True)
    reader_id: Mapped[UUID] = mapped_column()
    reader: Mapped[str] = mapped_column(String(200))
    first_read_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_read_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    read_count: Mapped[int] = mapped_column(Integer, default=1)


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def is_closed(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.DROPPED)


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItem(Base):
    """One entry of a work-stream's action plan: who owns it, by when, how it stands, and any escalation."""

    __tablename__ = "workstream_action"

    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("workstream_meeting.id", ondelete="SET NULL"), nullable=True, default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_staff_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), nullable=True, default=None
    )
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        enum_type(ActionStatus, "workstream_action_status"), default=ActionStatus.OPEN, index=True
    )
    notes: Mapped[str] = mapped_column(sealed_text(), default="")
    escalated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True, default=None, index=True
    )
    escalation_reason: Mapped[str] = mapped_column(
        sealed_text(), default="", doc="Why it went to the board: sealed at rest"
    )
    escalated_by: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    subgroup_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("workstream_subgroup.id", ondelete="RESTRICT"), nullable=True, default=None, index=True
    )

    workstream: Mapped[Workstream] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    def is_overdue(self, today: dt.date) -> bool:
        return not self.status.is_closed and self.due_on < today
