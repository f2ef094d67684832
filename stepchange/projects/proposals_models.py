"""The table of amendment proposals: a participant's suggested title, Action or Vision for a provisional project."""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base, enum_type


class ProposalStatus(enum.StrEnum):
    """``open`` until a co-chair or the office decides: ``accepted`` (a new version) or ``rejected``."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Proposal(Base):
    """A proposed change to a project, written against one version; ``None`` leaves a field as it was."""

    __tablename__ = "project_proposal"

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    base_version: Mapped[int] = mapped_column(Integer, doc="The version the proposal was written against")
    title: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    action: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    vision: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    rationale: Mapped[str] = mapped_column(Text)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN, index=True
    )
    proposer_staff_id: Mapped[UUID | None] = mapped_column(nullable=True, default=None, index=True)
    proposer_volunteer_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL"), nullable=True, default=None, index=True
    )
    proposer_name: Mapped[str] = mapped_column(String(200), doc="Personal: emptied on erasure")
    proposer_email: Mapped[str] = mapped_column(String(320), doc="Personal: where the decision is sent")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    applied_version: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
