"""The time ledger: one entry per volunteer, project and month, confirmed or queried by its co-chairs."""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base, enum_type, sealed_text


class EntryStatus(enum.StrEnum):
    """``pending`` until a co-chair reviews it: ``confirmed`` (final) or ``queried`` (the giver may edit it)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    QUERIED = "queried"


class ExpenseKind(enum.StrEnum):
    """What unreimbursed expenses were for (the Call to Action: "such as travel and personal refreshments")."""

    TRAVEL = "travel"
    REFRESHMENTS = "refreshments"
    OTHER = "other"


class TimeEntry(Base):
    """The time a volunteer gave a project in one month, and what they spent doing it (never reimbursed)."""

    __tablename__ = "time_entry"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "project_id", "month", name="uq_time_entry_volunteer_project_month"),
        # The entries to confirm are read oldest first: a page is read in this order, not sorted from all.
        Index("ix_time_entry_created_at_id", "created_at", "id"),
    )

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True, doc="The first day of the month")
    minutes: Mapped[int] = mapped_column(Integer, doc="Time given, in minutes (hours times 60)")
    expenses_pence: Mapped[int] = mapped_column(Integer, default=0)
    expense_kind: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(sealed_text(), default="")
    status: Mapped[EntryStatus] = mapped_column(
        enum_type(EntryStatus, "time_entry_status"), default=EntryStatus.PENDING, index=True
    )
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    review_note: Mapped[str] = mapped_column(String(500), default="")
