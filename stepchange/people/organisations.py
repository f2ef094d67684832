"""Organisations register rules: domains belong to one organisation; free-mail domains prove nothing."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, false, or_, select

from stepchange.core import audit
from stepchange.core.errors import BrokenRule, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import text_problem
from stepchange.people.models import Organisation, OrganisationDomain, Part, folded

FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "btinternet.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.co.uk",
        "hotmail.co.uk",
        "hotmail.com",
        "icloud.com",
        "live.co.uk",
        "live.com",
        "mac.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "sky.com",
        "talktalk.net",
        "virginmedia.com",
        "yahoo.co.uk",
        "yahoo.com",
        "ymail.com",
        "zoho.com",
    }
)
"""Public mail services: anyone can have an address there, so it says nothing about their employer."""
_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LEGAL_SUFFIXES = re.compile(r"\b(ltd|limited|plc|llp|llc|inc|group|uk)\b")


@functools.lru_cache(maxsize=65_536)
def match_key(name: str) -> str:
    """How organisation names are compared: case, punctuation and legal suffixes do not matter. Kept per name
    (a pure function of it): the desk asks it of every organisation its choosers work for, on every request."""
    words = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and "))
    return " ".join(_LEGAL_SUFFIXES.sub(" ", words).split())


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def is_free_mail(domain: str) -> bool:
    return domain.lower() in FREE_MAIL_DOMAINS


class OrganisationRepository(SQLAlchemyAsyncRepository[Organisation]):
    model_type = Organisation


class OrganisationService(DomainService[Organisation, OrganisationRepository]):
    """The office keeps the register; every change is audited."""

    repository_type = OrganisationRepository

    async def register_page(
        self, words: str | None, *, limit: int, offset: int, descending: bool = False
    ) -> tuple[Sequence[Organisation], int]:
        """A page of the register in name order, only organisations whose name contains ``words`` (letter
        case, punctuation and accents ignored) when given."""
        where: list[ColumnElement[bool]] = []
        if words and words.strip():
            key = match_key(folded(words))
            where.append(
                or_(
                    Organisation.name.ilike(f"%{words.strip()}%"),
                    Organisation.match_key.contains(key, autoescape=True) if key else false(),
                )
            )
        return await self.get_many_and_count(
            *where,
            LimitOffset(limit=limit, offset=offset),
            order_by=[(Organisation.name, descending)],
            count_with_window_function=False,
        )

    async def by_id(self, organisation_id: UUID) -> Organisation:
        found = await self.get_one_or_none(Organisation.id == organisation_id)
        if found is None:
            raise NotFound("organisation", f"id {organisation_id}")
        return found

    async def add(self, actor: Principal, name: str, domains: Sequence[str] = ()) -> Organisation:
        if problem := text_problem(name, "name", label="the organisation's name", max_length=200):
            raise InvalidInput([problem])
        key = match_key(name)
        if not key:
            raise InvalidInput.one("name", "Enter the organisation's name")
        if await self.get_one_or_none(Organisation.match_key == key) is not None:
            raise RuleViolation([BrokenRule("organisation_exists", f"{name.strip()} is already in the register")])
        organisation = Organisation(name=name.strip(), match_key=key, domains=[])
        self.session.add(organisation)
        await self.session.flush()
        await audit.record(
            self.session,
            actor,
            "organisation.added",
            subject_type="organisation",
            subject_id=organisation.id,
            summary=organisation.name,
        )
        for domain in domains:
            await self.add_domain(actor, organisation.id, domain)
        return organisation

    async def add_domain(self, actor: Principal, organisation_id: UUID, domain: str) -> OrganisationDomain:
        """Register an e-mail domain as this organisation's own (one organisation per domain)."""
        organisation = await self.by_id(organisation_id)
        domain = domain.strip().lower().lstrip("@")
        if not _DOMAIN.match(domain):
            raise InvalidInput.one("domain", "Enter a domain like example.co.uk")
        if is_free_mail(domain):
            raise RuleViolation(
                [BrokenRule("free_mail_domain", f"{domain} is a public mail service: it cannot show who works where")]
            )
        owner = await self.session.scalar(select(OrganisationDomain).where(OrganisationDomain.domain == domain))
        if owner is not None:
            raise RuleViolation([BrokenRule("domain_taken", f"{domain} already belongs to {owner.organisation.name}")])
        entry = OrganisationDomain(domain=domain)
        organisation.domains.append(entry)
        await self.session.flush()
        await audit.record(
            self.session,
            actor,
            "organisation.domain_added",
            subject_type="organisation",
            subject_id=organisation.id,
            summary=f"{domain} belongs to {organisation.name}",
        )
        return entry

    async def remove_domain(self, actor: Principal, organisation_id: UUID, domain: str) -> None:
        organisation = await self.by_id(organisation_id)
        entry = next((d for d in organisation.domains if d.domain == domain.strip().lower()), None)
        if entry is None:
            raise NotFound("domain", f"{domain!r} of {organisation.name}")
        await self.session.delete(entry)
        await audit.record(
            self.session,
            actor,
            "organisation.domain_removed",
            subject_type="organisation",
            subject_id=organisation.id,
            summary=f"{entry.domain} removed from {organisation.name}",
        )

    async def set_part(self, actor: Principal, organisation_id: UUID, part: Part | None) -> Organisation:
        """Which part of the tri-partite programme the organisation belongs to (the desk's team balance)."""
        organisation = await self.by_id(organisation_id)
        before = organisation.part
        organisation.part = part
        await audit.record(
            self.session,
            actor,
            "organisation.part_set",
            subject_type="organisation",
            subject_id=organisation.id,
            summary=f"{organisation.name}: {part.value if part else 'not classified'}",
            changes=audit.diff({"part": before}, {"part": part}),
        )
        return organisation

    async def owner_of(self, email: str) -> Organisation | None:
        """The organisation whose register entry holds this address's domain."""
        entry = await self.session.scalar(
            select(OrganisationDomain).where(OrganisationDomain.domain == domain_of(email))
        )
        return entry.organisation if entry is not None else None
