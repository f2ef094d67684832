"""People tables: the volunteers (one record a person), how well the office knows them, the office's
notes about them, their requests to be erased, and the organisations register they are checked against.

Phone numbers, the evidence behind identity checks and the office's notes are encrypted at rest with
``STEPCHANGE_ENCRYPTION_KEY``; names and e-mail addresses stay in clear, so the office can search them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import unicodedata
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core import clock
from stepchange.core.database import Base, enum_type, sealed_string, sealed_text
from stepchange.core.errors import BrokenRule
from stepchange.core.record_merge import on_merge_clash


class Part(enum.StrEnum):
    """The programme's tri-partite balance: which part of it an organisation belongs to."""

    POLICING = "policing"
    PRIVATE_SECTOR = "private_sector"
    GOVERNMENT = "government"
    OTHER_PUBLIC = "other_public"


def one_month_after(moment: dt.datetime) -> dt.date:
    """The UK GDPR's one month (art. 12(3)) from a UK day: the same day of the next month, or that month's
    last day when it is shorter (31 January is due by 28 or 29 February)."""
    day = clock.uk_day(moment)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def folded(text: str) -> str:
    """Text as the office's search compares it, the same on every engine: letter case and accents
    ignored ("Zoë O'Brien" is "zoe o'brien"), runs of spaces made one."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_key(name: str, organisation: str) -> str:
    """A person's :attr:`Volunteer.search_key`: their name and organisation, :func:`folded`."""
    return folded(f"{name} | {organisation}")[:500]


def _search_key_default(context: Any) -> str:
    """A new person's search key, from the row being inserted (every door that adds people)."""
    values = context.get_current_parameters() if context is not None else {}
    return search_key(values.get("name") or "", values.get("organisation") or "")


class Organisation(Base):
    """An organisation people work for, with the e-mail domains that are known to be its own."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    match_key: Mapped[str] = mapped_column(String(200), unique=True, doc="The name as matching compares it")
    part: Mapped[Part | None] = mapped_column(
        enum_type(Part, "organisation_part"), nullable=True, default=None, doc="Policing, private sector, ..."
    )

    domains: Mapped[list[OrganisationDomain]] = relationship(
        back_populates="organisation",
        lazy="selectin",
        order_by="OrganisationDomain.domain",
        cascade="all, delete-orphan",
    )


class OrganisationDomain(Base):
    """An e-mail domain that belongs to one organisation (several per organisation)."""

    __tablename__ = "organisation_domain"

    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True, doc="Lower case, e.g. met.police.uk")

    organisation: Mapped[Organisation] = relationship(back_populates="domains", lazy="joined")


class Identity(enum.StrEnum):
    """How sure the office is that a person is who they say (DESIGN.md, "Identity confidence")."""

    SUBMITTED = "submitted"
    EMAIL_CONFIRMED = "email_confirmed"
    ORGANISATION_CONFIRMED = "organisation_confirmed"
    VALIDATED = "validated"
    REJECTED = "rejected"


class Volunteer(Base):
    """One person, one record: matched by e-mail address in any letter case."""

    __tablename__ = "volunteer"

    email: Mapped[str] = mapped_column(String(320), unique=True, doc="Lower case")
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(sealed_string(255))
    organisation: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(80))
    identity: Mapped[Identity] = mapped_column(enum_type(Identity, "identity"), default=Identity.SUBMITTED, index=True)
    hours_per_month: Mapped[int] = mapped_column(Integer, doc="The latest offer: a ceiling across assignments")
    reminded_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True, default=None, doc="When the one reminder to confirm was sent"
    )
    erased_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True, default=None, doc="Personal data removed; only counts remain"
    )
    search_key: Mapped[str] = mapped_column(
        String(500), default=_search_key_default, doc="Name and organisation as search compares them: see folded()"
    )


awaiting_validation_tally = Table(
    "awaiting_validation_tally",
    Base.metadata,
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("people", BigInteger, nullable=False, default=0),
    comment="How many people wait for validation, kept by triggers on volunteer (stepchange.people.tally)",
)


class IdentityStep(Base):
    """One step in how well the office knows a person: who took it, when (``created_at``) and how."""

    __tablename__ = "identity_step"

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    step: Mapped[Identity] = mapped_column(enum_type(Identity, "identity"))
    by_id: Mapped[UUID | None] = mapped_column(nullable=True)
    by: Mapped[str] = mapped_column(String(200))
    how: Mapped[str] = mapped_column(
        sealed_text(), default="", doc="The evidence checked, or the reason: sealed at rest"
    )


class VolunteerNote(Base):
    """A note by the programme office about a person (who wrote it and when are kept; its text is sealed)."""

    __tablename__ = "volunteer_note"

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[UUID | None] = mapped_column(nullable=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(sealed_text())


class ErasureRequest(Base):
    """A volunteer asked for their personal data to be erased; the office carries it out."""

    __tablename__ = "erasure_request"
    __table_args__ = (
        on_merge_clash(
            BrokenRule(
                "merge_erasure_clash",
                "Both records have asked to be erased",
                "Carry out or refuse each request on its own record: records asked to be erased are not merged",
            )
        ),
    )

    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), unique=True)
    carried_out_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    carried_out_by: Mapped[str] = mapped_column(String(200), default="")
    refused_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True, default=None)
    refused_by: Mapped[str] = mapped_column(String(200), default="")
    refusal_reason: Mapped[str] = mapped_column(Text, default="", doc="Told to the person; kept for the record")

    @property
    def due_on(self) -> dt.date:
        """The legal due date: one month from the request."""
        return one_month_after(self.created_at)

    @property
    def waiting(self) -> bool:
        return self.carried_out_at is None and self.refused_at is None
