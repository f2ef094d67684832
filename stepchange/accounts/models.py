"""Staff account tables."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.authz import StaffRole
from stepchange.core.database import Base, enum_type, sealed_string
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
    totp_secret: Mapped[str | None] = mapped_column(
        sealed_string(255),
        nullable=True,
        default=None,
        doc="The authenticator app's shared secret, encrypted; set at enrolment, confirmed by a first code",
    )
    totp_enrolled_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True, default=None, doc="When a first code confirmed the secret"
    )
    totp_last_step: Mapped[int | None] = mapped_column(
        BigInteger, nullable=True, default=None, doc="The last time step a code was accepted for: no replay"
    )

    workstream: Mapped[Workstream | None] = relationship(lazy="joined")

    @property
    def workstream_code(self) -> str | None:
        return self.workstream.code if self.workstream is not None else None

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_enrolled_at is not None


class RecoveryCode(Base):
    """One of a staff member's single-use recovery codes, stored only as a SHA-256 hash.

    Each code carries 80 random bits, so a hash without salt cannot be reversed by guessing, and a code
    is found by its hash directly.
    """

    __tablename__ = "staff_recovery_code"
    __table_args__ = (UniqueConstraint("staff_user_id", "code_hash", name="uq_staff_recovery_code"),)

    staff_user_id: Mapped[UUID] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
