"""Programme tables: milestones (the programme's and each project's) and key activity."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base


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


class KeyActivity(Base):
    """A line of the Call to Action's "Key Activity To Date", its date kept as the source wrote it."""

    __tablename__ = "key_activity"

    position: Mapped[int] = mapped_column(Integer, unique=True, doc="Order in the source document")
    date_text: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[dt.date] = mapped_column(Date, doc="The first day the source's date can mean")
    ends_on: Mapped[dt.date] = mapped_column(Date, doc="The last day the source's date can mean")
    description: Mapped[str] = mapped_column(Text)
