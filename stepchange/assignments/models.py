"""Assignment tables: a volunteer's place on a project, as lead or member."""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base, enum_type
from stepchange.core.errors import BrokenRule
from stepchange.core.record_merge import on_merge_clash


class AssignmentRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class AssignmentStatus(enum.StrEnum):
    """``offered`` → ``accepted`` | ``declined``, and later ``ended`` (DESIGN.md, "Assignments")."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


ACTIVE = frozenset({AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED})
"""An offered or accepted assignment holds its place (and an offered or accepted lead is the lead)."""

_ACTIVE_SQL = "status IN ('offered', 'accepted')"


class Assignment(Base):
    """A volunteer offered a place on a project; the partial unique indexes back the rules under races."""

    __tablename__ = "assignment"
    __table_args__ = (
        Index(
            "uq_assignment_one_lead",
            "project_id",
            unique=True,
            sqlite_where=text(f"role = 'lead' AND {_ACTIVE_SQL}"),
            postgresql_where=text(f"role = 'lead' AND {_ACTIVE_SQL}"),
        ),
        Index(
            "uq_assignment_active_volunteer_project",
            "volunteer_id",
            "project_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_assignment_project_created_at_id", "project_id", "created_at", "id"),  # a page of a team, in order
        # The offers waiting longest for an answer (the desk, the office's home), oldest first, and counted.
        Index("ix_assignment_status_created_at", "status", "created_at"),
        # Every project's team counted by role and status (staffing on the homes, the desk and the reports),
        # from the index alone.
        Index("ix_assignment_status_project_role", "status", "project_id", "role"),
        on_merge_clash(
            BrokenRule(
                "merge_place_clash",
                "Both records hold a place on the same project",
                "End the place one of them holds, then merge the records",
            )
        ),
    )

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(enum_type(AssignmentRole, "assignment_role"))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_type(AssignmentStatus, "assignment_status"), default=AssignmentStatus.OFFERED, index=True
    )
    offered_by_id: Mapped[UUID | None] = mapped_column(nullable=True)
    offered_by: Mapped[str] = mapped_column(String(200))
    hours: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None, doc="Hours a month, if agreed")
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    ended_reason: Mapped[str] = mapped_column(String(500), default="")
