"""Ethics tables: declared conflicts of interest, their reviews, recusals and projects' commercial-advantage reviews.

Every review is a row of its own (the full history); a declaration's ``state`` and a project's latest
review are what count now. Reasons and mitigations speak about a declaration, so they are encrypted
at rest like the declaration itself.
"""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, Column, ForeignKey, Select, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base, enum_type, sealed_string, sealed_text
from stepchange.projects.models import Project


class ConflictKind(enum.StrEnum):
    FINANCIAL = "financial"
    PROFESSIONAL = "professional"
    PERSONAL = "personal"
    INDIRECT = "indirect"


class ReviewState(enum.StrEnum):
    PENDING = "pending"
    NO_CONFLICT = "no_conflict"
    MANAGED = "managed"
    EXCLUDED = "excluded"


declaration_project = Table(
    "declaration_project",
    Base.metadata,
    Column("declaration_id", ForeignKey("declaration.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="RESTRICT"), primary_key=True),
)


class Declaration(Base):
    """A declared conflict of interest, naming the projects it touches; its text is encrypted at rest."""

    __tablename__ = "declaration"

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(enum_type(ConflictKind, "conflict_kind"))
    description: Mapped[str] = mapped_column(sealed_text())
    organisation: Mapped[str] = mapped_column(sealed_string(1024))
    state: Mapped[ReviewState] = mapped_column(
        enum_type(ReviewState, "review_state"), default=ReviewState.PENDING, index=True
    )
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True, default=None, doc="The person withdrew it: pending until reviewed"
    )

    projects: Mapped[list[Project]] = relationship(
        secondary=declaration_project, lazy="selectin", order_by="Project.code"
    )


class DeclarationOutcome(enum.StrEnum):
    """What a reviewer decides about a declaration (DESIGN.md, "Conflicts of interest")."""

    NO_CONFLICT = "no_conflict"
    MANAGED = "managed"
    EXCLUDED = "excluded"

    @property
    def state(self) -> ReviewState:
        return ReviewState(self.value)


class DeclarationReview(Base):
    """One reviewer's decision on a declaration; ``created_at`` is when it was made."""

    __tablename__ = "declaration_review"

    declaration_id: Mapped[UUID] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[UUID | None] = mapped_column(nullable=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[DeclarationOutcome] = mapped_column(enum_type(DeclarationOutcome, "declaration_outcome"))
    previous_state: Mapped[ReviewState] = mapped_column(enum_type(ReviewState, "review_state"))
    reason: Mapped[str] = mapped_column(sealed_text())
    mitigation: Mapped[str] = mapped_column(sealed_text(), default="")


class Recusal(Base):
    """A reviewer kept from a decision because their own organisation is involved; ``created_at`` is when."""

    __tablename__ = "recusal"
    __table_args__ = (CheckConstraint("(declaration_id IS NULL) <> (project_id IS NULL)", name="one_subject"),)

    declaration_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), nullable=True, index=True
    )
    project_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), nullable=True, index=True
    )
    reviewer_id: Mapped[UUID | None] = mapped_column(nullable=True, index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(300))


class ProjectOutcome(enum.StrEnum):
    """A project's commercial-advantage review (DESIGN.md, "Ethics review of projects")."""

    CLEARED = "cleared"
    CLEARED_WITH_CONDITIONS = "cleared_with_conditions"
    BLOCKED = "blocked"


CLEARING = frozenset({ProjectOutcome.CLEARED, ProjectOutcome.CLEARED_WITH_CONDITIONS})
"""The outcomes that let a project enter delivery."""


class ProjectReview(Base):
    """One commercial-advantage review of a project; history is kept and the latest counts."""

    __tablename__ = "project_review"

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[ProjectOutcome] = mapped_column(enum_type(ProjectOutcome, "project_review_outcome"))
    conditions: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[UUID | None] = mapped_column(nullable=True)
    reviewer: Mapped[str] = mapped_column(String(200))


def latest_project_review(project_id: UUID) -> Select[ProjectReview]:
    """The review that counts for a project: the latest one (used by the ethics service and the lifecycle)."""
    return (
        select(ProjectReview)
        .where(ProjectReview.project_id == project_id)
        .order_by(ProjectReview.created_at.desc(), ProjectReview.id.desc())
        .limit(1)
    )


async def project_cleared(session: AsyncSession, project_id: UUID) -> bool:
    """The project's latest commercial-advantage review clears it for delivery."""
    review = await session.scalar(latest_project_review(project_id))
    return review is not None and review.outcome in CLEARING
