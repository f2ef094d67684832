"""Interest tables: calls and the projects each offers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base

if TYPE_CHECKING:
    from stepchange.projects.models import Project

call_project = Table(
    "call_project",
    Base.metadata,
    Column("call_id", ForeignKey("call.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="RESTRICT"), primary_key=True),
)


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
