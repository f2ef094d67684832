"""Reminder tables: what was sent to whom (so nothing repeats), the daily digests, people's choices,
the lease that lets one worker run the day's reminders, and staff members' calendar addresses."""

from __future__ import annotations

import datetime as dt
import enum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base, enum_type


class Frequency(enum.StrEnum):
    """How often someone hears from the reminders: staff choose daily or weekly; volunteers may stop."""

    DAILY = "daily"
    WEEKLY = "weekly"
    STOPPED = "stopped"


class ReminderSent(Base):
    """One item of one digest: the rule, what it was about, and the period it covers (``once``, a month,
    a due date), so the same reminder never goes twice — not after a restart, not from another worker."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("rule", "subject_id", "recipient_id", "period", name="uq_reminder_sent_once"),)

    rule: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[UUID] = mapped_column()
    recipient_id: Mapped[UUID] = mapped_column(index=True)
    period: Mapped[str] = mapped_column(String(20))
    digest_id: Mapped[UUID] = mapped_column(ForeignKey("reminder_digest.id", ondelete="CASCADE"), index=True)


class ReminderDigest(Base):
    """The one reminder e-mail a person got on a UK day."""

    __tablename__ = "reminder_digest"
    __table_args__ = (UniqueConstraint("recipient_id", "sent_on", name="uq_reminder_digest_day"),)

    recipient_id: Mapped[UUID] = mapped_column()
    sent_on: Mapped[dt.date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(Integer)


class ReminderPreference(Base):
    """A person's choice: a member of staff's daily or weekly digest, or a volunteer who stopped reminders."""

    __tablename__ = "reminder_preference"

    person_id: Mapped[UUID] = mapped_column(unique=True)
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency, "reminder_frequency"))


class ReminderLease(Base):
    """Who is running a job now and until when, and the UK day it last finished: taken by one UPDATE."""

    __tablename__ = "reminder_lease"

    name: Mapped[str] = mapped_column(String(40), unique=True)
    holder: Mapped[str | None] = mapped_column(String(32), nullable=True, default=None)
    held_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True, default=None)


class CalendarFeed(Base):
    """A staff member's secret calendar address, kept only as a SHA-256 hash; it works while the account
    is open and its session epoch (raised by a role change or closing the account) is the one it was made in."""

    __tablename__ = "calendar_feed"

    staff_user_id: Mapped[UUID] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_epoch: Mapped[int] = mapped_column(Integer)
