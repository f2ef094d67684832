"""Project tables."""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base, enum_type
from stepchange.workstreams.models import Workstream


class ProjectStatus(enum.StrEnum):
    """Where a project is in its life (DESIGN.md, "Project lifecycle")."""

    PIPELINE = "pipeline"
    PROVISIONAL = "provisional"
    RECRUITING = "recruiting"
    STAFFED = "staffed"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


class Rag(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Project(Base):
    """A project of a work-stream: one of the 25 priority projects or a later pipeline project."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("workstream_id", "number", name="uq_project_workstream_number"),)

    code: Mapped[str] = mapped_column(String(8), unique=True, index=True)
    workstream_id: Mapped[UUID] = mapped_column(ForeignKey("workstream.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer, doc="Position in the work-stream's series: T1 is 1")
    title: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(Text)
    vision: Mapped[str] = mapped_column(Text, doc="The Call to Action's 'Vision for Success'")
    status: Mapped[ProjectStatus] = mapped_column(
        enum_type(ProjectStatus, "project_status"), default=ProjectStatus.PROVISIONAL, index=True
    )
    rag: Mapped[Rag | None] = mapped_column(enum_type(Rag, "project_rag"), default=None, nullable=True)
    is_priority: Mapped[bool] = mapped_column(Boolean, default=False, doc="One of the original 25")
    wanted_team_size: Mapped[int] = mapped_column(
        Integer, default=5, server_default="5", doc="How many people (the lead included) the project wants"
    )
    version: Mapped[int] = mapped_column(
        Integer,
        default=1,
        nullable=False,
        doc="The content version: raised by each amendment of title, Action or Vision",
    )

    workstream: Mapped[Workstream] = relationship(lazy="joined", innerjoin=True)

    @property
    def programme_order(self) -> tuple[int, int]:
        """The Call to Action's order: by work-stream, then number (T1…T5, CP1…)."""
        return (self.workstream.position, self.number)


class StatusUpdate(Base):
    """One dated report on a project: its lifecycle status, RAG and narrative. Never changed once written."""

    __tablename__ = "project_status_update"

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    previous_status: Mapped[ProjectStatus] = mapped_column(enum_type(ProjectStatus, "project_previous_status"))
    status: Mapped[ProjectStatus] = mapped_column(enum_type(ProjectStatus, "project_status"))
    rag: Mapped[Rag | None] = mapped_column(
        enum_type(Rag, "project_rag"), nullable=True, doc="None: an automatic move before any RAG was reported"
    )
    summary: Mapped[str] = mapped_column(Text)
    author_id: Mapped[UUID | None] = mapped_column(nullable=True)
    author: Mapped[str] = mapped_column(String(200))


class ProjectVersion(Base):
    """The title, Action and Vision of one version of a project, with who wrote it and when (``created_at``)."""

    __tablename__ = "project_version"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_project_version_project_version"),)

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(Text)
    vision: Mapped[str] = mapped_column(Text)
    author_id: Mapped[UUID | None] = mapped_column(nullable=True)
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500), default="", doc="Why it changed, in the author's words")


class Milestone(Base):
    """A dated target: the programme's own (no project) or one project's."""

    __tablename__ = "milestone"

    key: Mapped[str] = mapped_column(String(64), unique=True, doc="Stable name used by the seeds")
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True, default=None)
    project_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), nullable=True, index=True, default=None
    )
