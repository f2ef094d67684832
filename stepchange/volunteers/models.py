"""Self-service tables."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base


class ErasureRequest(Base):
    """A volunteer asked for their personal data to be erased; the office carries it out."""

    __tablename__ = "erasure_request"

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), unique=True)
    carried_out_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    carried_out_by: Mapped[str] = mapped_column(String(200), default="")
