"""The work-stream table: the programme's five work-streams (seeded from the Call to Action)."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base


class Workstream(Base):
    """One of the programme's work-streams (T, CP, TT, CF, SR), jointly chaired by business and police."""

    __tablename__ = "workstream"

    code: Mapped[str] = mapped_column(String(8), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    source_name: Mapped[str] = mapped_column(String(120), doc="The name as the Call to Action lists it")
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
