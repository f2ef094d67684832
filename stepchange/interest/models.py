"""Interest tables: calls, the people who answer them, their expressions of interest and declarations.

Phone numbers, declarations, experience, credentials and held submissions are encrypted at rest with
``STEPCHANGE_ENCRYPTION_KEY``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base, EncryptedJson, enum_type, sealed_text

if TYPE_CHECKING:
    from stepchange.projects.models import Project

call_project = Table(
    "call_project",
    Base.metadata,
    Column("call_id", ForeignKey("call.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="RESTRICT"), primary_key=True),
)


def ends_at(closes_at: dt.datetime, closed_early_at: dt.datetime | None) -> dt.datetime:
    """When a call actually stops taking submissions: its closing time, or earlier if closed early."""
    if closed_early_at is not None and closed_early_at < closes_at:
        return closed_early_at
    return closes_at


class Call(Base):
    """A Call to Action: a window (UK time, stored in UTC) in which people may register interest."""

    __tablename__ = "call"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    opens_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(
        DateTimeUTC(timezone=True), doc="The first instant the call is closed"
    )
    closed_early_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)

    projects: Mapped[list[Project]] = relationship(secondary=call_project, lazy="selectin", order_by="Project.code")

    @property
    def ends_at(self) -> dt.datetime:
        return ends_at(self.closes_at, self.closed_early_at)


class ExpressionStatus(enum.StrEnum):
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class ChoiceRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class Expression(Base):
    """A person's expression of interest in one call: at most one per person per call."""

    __tablename__ = "expression"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "call_id", name="uq_expression_volunteer_call"),
        # The office's home lists the late entries of the last 30 days: a few among every expression.
        Index(
            "ix_expression_late_submitted_at",
            "submitted_at",
            sqlite_where=text("late IS 1"),
            postgresql_where=text("late IS true"),
        ),
    )

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[UUID] = mapped_column(ForeignKey("call.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ExpressionStatus] = mapped_column(
        enum_type(ExpressionStatus, "expression_status"), default=ExpressionStatus.AWAITING_CONFIRMATION, index=True
    )
    hours_per_month: Mapped[int] = mapped_column(Integer)
    experience: Mapped[str] = mapped_column(sealed_text(), default="")
    credentials: Mapped[list[str]] = mapped_column(EncryptedJson(), default=list)
    no_conflicts: Mapped[bool] = mapped_column(Boolean, default=False)
    statement_version: Mapped[str] = mapped_column(String(20))
    statement_accepted_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_reason: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(20), default="form")

    choices: Mapped[list[Choice]] = relationship(
        lazy="selectin", order_by="Choice.rank", cascade="all, delete-orphan", passive_deletes=True
    )


class Choice(Base):
    """One ranked project choice, sought as lead or member."""

    __tablename__ = "choice"
    __table_args__ = (
        UniqueConstraint("expression_id", "project_id", name="uq_choice_expression_project"),
        UniqueConstraint("expression_id", "rank", name="uq_choice_expression_rank"),
    )

    expression_id: Mapped[UUID] = mapped_column(ForeignKey("expression.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    role: Mapped[ChoiceRole] = mapped_column(enum_type(ChoiceRole, "choice_role"))


class HeldSubmission(Base):
    """A repeat submission from a known address, held (encrypted) until that address confirms it."""

    __tablename__ = "held_submission"

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[UUID] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    payload: Mapped[str] = mapped_column(sealed_text(), doc="The submission as JSON")

    def as_dict(self) -> dict[str, Any]:
        return dict(msgspec.json.decode(self.payload))


class ReceivedSubmission(Base):
    """A public submission as received and checked, stored (encrypted) the same way whoever sent it, before
    anything depends on whether its address is known; filing it deletes it (see ``interest.intake``)."""

    __tablename__ = "received_submission"

    call_id: Mapped[UUID] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20), doc="api or form")
    payload: Mapped[str] = mapped_column(sealed_text(), doc="The checked submission as JSON")


class ImportedResponse(Base):
    """A survey response already imported: re-importing the same export changes nothing.

    Keyed by the survey (the mapping's name) and the survey's respondent id; ``content_hash`` is the
    SHA-256 of the row as exported, so an answer edited in the survey since is noticed. No personal
    data: the person stays linked (or not, once erased) through ``volunteer_id``.
    """

    __tablename__ = "imported_response"
    __table_args__ = (UniqueConstraint("source", "respondent_id", name="uq_imported_response_source_respondent"),)

    source: Mapped[str] = mapped_column(String(200))
    respondent_id: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    volunteer_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL"), nullable=True, index=True
    )
    declaration_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("declaration.id", ondelete="SET NULL"), nullable=True, default=None
    )
