"""The office's people views: everyone who registered, filtered as the office asks, and each person as the
office sees them (their interest in each call, identity history, notes and declarations' review state —
never a declaration's text, nor anyone's phone number in the export)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, UnaryExpression, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from stepchange.core.services import DomainService
from stepchange.core.validation import normalise_email
from stepchange.ethics.models import Declaration
from stepchange.interest.calls import project_codes
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.interest.schemas import (
    ChoiceOut,
    DeclarationStateOut,
    ExpressionOut,
    IdentityStepOut,
    NoteOut,
    PersonOut,
    VolunteerOut,
)
from stepchange.people.identity import IdentityService
from stepchange.people.models import ErasureRequest, Identity, Organisation, Volunteer, folded
from stepchange.people.organisations import OrganisationService, match_key
from stepchange.people.services import VolunteerRepository
from stepchange.projects.models import Project

PEOPLE_COLUMNS = (
    "name",
    "email",
    "organisation",
    "job_title",
    "sector",
    "identity",
    "hours_per_month",
    "calls",
    "choices",
    "registered",
)
"""The office's export of the list (no phone, no declarations)."""


SORTS: dict[str, Any] = {
    "name": Volunteer.search_key,
    "organisation": Volunteer.organisation,
    "identity": Volunteer.identity,
    "registered": Volunteer.created_at,
}
"""The columns the office's list can be sorted by (the name by its folded key, so "Ávila" sorts with "A")."""
PICK_LIMIT = 100
"""The most people one bulk action takes (a page of the list)."""


@dataclass(frozen=True)
class PeopleSearch:
    """The office's filters on everyone who registered; each narrows the list."""

    email: str | None = None
    call_id: UUID | None = None
    identity: Identity | None = None
    project: str | None = None
    role: ChoiceRole | None = None
    sector: str | None = None
    organisation: str | None = None
    text: str | None = None

    def _choice_exists(self) -> ColumnElement[bool] | None:
        if not (self.call_id or self.project or self.role):
            return None
        query = (
            select(Choice.id)
            .join(Expression, Choice.expression_id == Expression.id)
            .where(Expression.volunteer_id == Volunteer.id)
        )
        if self.call_id:
            query = query.where(Expression.call_id == self.call_id)
        if self.project:
            query = query.join(Project, Choice.project_id == Project.id).where(Project.code == self.project.upper())
        if self.role:
            query = query.where(Choice.role == self.role)
        return query.exists()

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.email:
            where.append(Volunteer.email == normalise_email(self.email))
        if self.identity:
            where.append(Volunteer.identity == self.identity)
        if self.sector:
            where.append(Volunteer.sector == self.sector)
        if self.organisation:
            where.append(Volunteer.organisation.ilike(f"%{self.organisation}%"))
        if self.text and (words := folded(self.text)):
            # Name and organisation through their folded search key (letter case and accents ignored, the
            # same on every engine); the address as kept (lower case).
            where.append(
                or_(
                    Volunteer.search_key.contains(words, autoescape=True),
                    Volunteer.email.contains(self.text.strip().lower(), autoescape=True),
                )
            )
        if (chosen := self._choice_exists()) is not None:
            where.append(chosen)
        return where


@dataclass(frozen=True)
class IdentityChecks:
    """What the office checks a person's identity against, beside their record (for the person's page only:
    the phone number and experience are not in the API's list or the export)."""

    phone: str
    experience: str
    credentials: list[str] = field(default_factory=list)
    named_organisation: Organisation | None = None
    """The register entry for the organisation they named, if it is on the register."""
    address_organisation: Organisation | None = None
    """The register entry whose domains include their e-mail address's domain."""
    erasure: ErasureRequest | None = None
    withdrew: bool = False
    """Every expression of interest withdrawn."""


def people_order(sort: str) -> list[UnaryExpression[Any]]:
    """The list's order: newest first unless another of :data:`SORTS` is named (``-`` first for
    descending); ties by id, so pages never overlap."""
    column = SORTS.get(sort.removeprefix("-"), Volunteer.created_at)
    return [column.desc(), Volunteer.id.desc()] if sort.startswith("-") else [column.asc(), Volunteer.id.asc()]


def page_of_people(search: PeopleSearch, *, limit: int, offset: int, sort: str) -> Select[UUID]:
    """The ids of one page of the list, in its order. Read through an index on the sort column and the id
    (``ix_volunteer_*_id``), so a deep page skips index entries, never whole (partly encrypted) rows."""
    return select(Volunteer.id).where(*search.conditions()).order_by(*people_order(sort)).limit(limit).offset(offset)


async def expressions_of_people(session: AsyncSession, people: Select[UUID]) -> dict[UUID, list[ExpressionOut]]:
    """Each person's interest in each call (newest call first, choices by rank), for everyone ``people``
    selects: three statements whatever their number (codes, expressions, choices), never one per person."""
    codes = dict(await project_codes(session))
    among = Expression.volunteer_id.in_(people.scalar_subquery())
    choices: dict[UUID, list[ChoiceOut]] = defaultdict(list)
    for expression_id, project_id, rank, role in await session.execute(
        select(Choice.expression_id, Choice.project_id, Choice.rank, Choice.role)
        .join(Expression, Choice.expression_id == Expression.id)
        .where(among)
        .order_by(Choice.expression_id, Choice.rank)
    ):
        choices[expression_id].append(ChoiceOut(project=codes[project_id], rank=rank, role=role))
    found: dict[UUID, list[ExpressionOut]] = defaultdict(list)
    for row in await session.execute(
        select(
            Expression.id,
            Expression.volunteer_id,
            Call.name,
            Expression.status,
            Expression.submitted_at,
            Expression.late,
            Expression.hours_per_month,
        )
        .join(Call, Expression.call_id == Call.id)
        .where(among)
        .order_by(Expression.volunteer_id, Call.opens_at.desc())
    ):
        found[row.volunteer_id].append(
            ExpressionOut(
                id=row.id,
                call=row.name,
                status=row.status,
                submitted_at=row.submitted_at,
                late=row.late,
                hours_per_month=row.hours_per_month,
                choices=choices.get(row.id, []),
            )
        )
    return found


def volunteer_out(person: Volunteer, expressions: list[ExpressionOut]) -> VolunteerOut:
    """A person in the office's list: their details and their interest in each call."""
    return VolunteerOut(
        id=person.id,
        name=person.name,
        email=person.email,
        organisation=person.organisation,
        job_title=person.job_title,
        sector=person.sector,
        identity=person.identity,
        hours_per_month=person.hours_per_month,
        created_at=person.created_at,
        expressions=expressions,
    )


class PeopleLookup(DomainService[Volunteer, VolunteerRepository]):
    """What the office reads about people (it changes nothing: see :class:`PeopleService`)."""

    repository_type = VolunteerRepository

    async def person(self, volunteer_id: UUID) -> Volunteer:
        return await IdentityService(self.session).person(volunteer_id)

    async def people(
        self, search: PeopleSearch, *, limit: int, offset: int, sort: str = "-registered"
    ) -> tuple[Sequence[Volunteer], int]:
        """One page of everyone who registered, filtered as the office asks, in the order asked (see
        :func:`page_of_people`), and how many match in all (counted apart: a window count would make the
        database read and sort every match for any page). The phone number is left unread (and
        undecrypted): no list shows it."""
        page = page_of_people(search, limit=limit, offset=offset, sort=sort)
        rows = await self.session.scalars(
            select(Volunteer)
            .where(Volunteer.id.in_(page.scalar_subquery()))
            .order_by(*people_order(sort))
            .options(defer(Volunteer.phone, raiseload=True))
        )
        return rows.all(), await self.count(*search.conditions())

    async def people_out(
        self, search: PeopleSearch, *, limit: int, offset: int, sort: str = "-registered"
    ) -> tuple[list[VolunteerOut], int]:
        """:meth:`people` as the API lists them, each with their interest in each call (set-based: the
        same few statements for a page of one or of five hundred)."""
        people, total = await self.people(search, limit=limit, offset=offset, sort=sort)
        # The page's own ids (at most a page of them), so a deep page's offset is walked once, not three times.
        page = select(Volunteer.id).where(Volunteer.id.in_([person.id for person in people]))
        expressions = await expressions_of_people(self.session, page)
        return [volunteer_out(p, expressions.get(p.id, [])) for p in people], total

    async def chosen(self, ids: Sequence[UUID]) -> Sequence[Volunteer]:
        """The people picked from the list (at most a page of them), in the list's default order."""
        rows = await self.session.scalars(
            select(Volunteer).where(Volunteer.id.in_(ids[:PICK_LIMIT])).order_by(Volunteer.created_at.desc())
        )
        return rows.all()

    async def declarations_of(self, person: Volunteer) -> Sequence[Declaration]:
        rows = await self.session.scalars(
            select(Declaration).where(Declaration.volunteer_id == person.id).order_by(Declaration.created_at)
        )
        return rows.all()

    # --- as the office sees them ----------------------------------------------------------------------

    async def volunteer_out(self, person: Volunteer) -> VolunteerOut:
        """One person as in the office's list: their details and their interest in each call."""
        expressions = await expressions_of_people(self.session, select(Volunteer.id).where(Volunteer.id == person.id))
        return volunteer_out(person, expressions.get(person.id, []))

    async def person_out(self, person: Volunteer) -> PersonOut:
        """One person's page: as in the list, with identity history, notes and declarations' review state."""
        identity = IdentityService(self.session)
        base = await self.volunteer_out(person)
        return PersonOut(
            **{f: getattr(base, f) for f in base.__struct_fields__},
            identity_history=[
                IdentityStepOut(step=s.step, by=s.by, how=s.how, at=s.created_at)
                for s in await identity.history(person.id)
            ],
            notes=[self.to_schema(n, schema_type=NoteOut) for n in await identity.notes(person.id)],
            declarations=[
                DeclarationStateOut(
                    id=d.id, kind=d.kind, projects=[p.code for p in d.projects], state=d.state, declared_at=d.created_at
                )
                for d in await self.declarations_of(person)
            ],
        )

    async def identity_checks(self, volunteer_id: UUID) -> IdentityChecks:
        person = await self.person(volunteer_id)
        latest = await self.session.scalar(
            select(Expression)
            .where(Expression.volunteer_id == person.id)
            .order_by(Expression.submitted_at.desc())
            .limit(1)
        )
        statuses = (
            await self.session.scalars(select(Expression.status).where(Expression.volunteer_id == person.id))
        ).all()
        organisations = OrganisationService(session=self.session)
        return IdentityChecks(
            phone=person.phone,
            experience=latest.experience if latest else "",
            credentials=list(latest.credentials) if latest else [],
            named_organisation=await organisations.get_one_or_none(
                Organisation.match_key == match_key(person.organisation)
            ),
            address_organisation=await organisations.owner_of(person.email),
            erasure=await self.session.scalar(select(ErasureRequest).where(ErasureRequest.volunteer_id == person.id)),
            withdrew=bool(statuses) and all(s is ExpressionStatus.WITHDRAWN for s in statuses),
        )

    async def person_page(self, volunteer_id: UUID) -> PersonOut:
        return await self.person_out(await self.person(volunteer_id))

    async def volunteer_row(self, person: Volunteer) -> dict[str, Any]:
        """One person as a row of the office's export (:data:`PEOPLE_COLUMNS`)."""
        out = await self.volunteer_out(person)
        return {
            "name": out.name,
            "email": out.email,
            "organisation": out.organisation,
            "job_title": out.job_title,
            "sector": out.sector,
            "identity": out.identity.value,
            "hours_per_month": out.hours_per_month,
            "calls": "; ".join(e.call for e in out.expressions),
            "choices": "; ".join(f"{c.project} ({c.role.value})" for e in out.expressions for c in e.choices),
            "registered": out.created_at.date().isoformat(),
        }
