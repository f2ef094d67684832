"""Organisations register tables."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stepchange.core.database import Base


class Organisation(Base):
    """An organisation people work for, with the e-mail domains that are known to be its own."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    match_key: Mapped[str] = mapped_column(String(200), unique=True, doc="The name as matching compares it")

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
