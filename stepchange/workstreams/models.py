"""Work-stream tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base

if TYPE_CHECKING:
    from stepchange.projects.models import Project


class Workstream(Base):
    """One of the programme's work-streams (T, CP, TT, CF, SR), jointly chaired by business and police."""

    __tablename__ = "workstream"

    code: Mapped[str] = mapped_column(String(8), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    source_name: Mapped[str] = mapped_column(String(120), doc="The name as the Call to Action lists it")
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    projects: Mapped[list[Project]] = relationship(
        back_populates="workstream", order_by="Project.number", lazy="raise", viewonly=True
    )
