"""Staff account tables."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.authz import StaffRole
from stepchange.core.database import Base, enum_type
from stepchange.workstreams.models import Workstream


class StaffUser(Base):
    """A member of the programme's staff who signs in with a password."""

    __tablename__ = "staff_user"

    email: Mapped[str] = mapped_column(String(320), unique=True, doc="Stored in lower case")
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "staff_role"), index=True)
    workstream_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("workstream.id", ondelete="RESTRICT"), nullable=True, default=None, index=True
    )
    organisation: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True, default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(
        Integer, default=0, doc="Raised to end every session at once (role change, deactivation)"
    )
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)

    workstream: Mapped[Workstream | None] = relationship(lazy="joined")

    @property
    def workstream_code(self) -> str | None:
        return self.workstream.code if self.workstream is not None else None
