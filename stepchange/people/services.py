"""One person, one record (DESIGN.md, "One person, one record"): the only code that writes a volunteer's
record (table ``volunteer``) and its identity history (``identity_step``).

Every door that makes or changes a record comes here: a public submission claiming a new address, the
office's late entry, a confirmed repeat submission, the import, a volunteer changing the hours they
offer, the identity steps, merging two records and erasure. So a change of details leaves the same
audit trail whichever door it came through.

Many people at once (the SurveyMonkey import) are gathered in a :class:`PeopleBatch` as plain rows — no
ORM objects and no statement per person: an import writes 100,000 of them — and written by
:meth:`PeopleService.write_batch` with the caller's bulk writer.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, cast
from uuid import UUID, uuid4

import uuid_utils
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import Executable, Table, delete, insert, select, update

from stepchange.core import audit, clock
from stepchange.core.audit import AuditEntry
from stepchange.core.database import dialect_of, run_core, table_of, upsert_insert
from stepchange.core.errors import BrokenRule, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import normalise_email
from stepchange.people.facts import MERGE_STEPS
from stepchange.people.merging import move_records
from stepchange.people.models import Identity, IdentityStep, Volunteer, search_key

PERSON_DETAILS = ("name", "phone", "organisation", "job_title", "sector", "hours_per_month")
"""What a person's latest submission sets on their record (a repeat replaces them)."""
PERSONAL = frozenset({"name", "phone"})
"""Details the audit trail keeps only as "(changed)", never their values."""
DETAILS_CHANGED = "volunteer.details_changed"
THE_PERSON = "the person"
THE_SERVICE = "the service"
ERASED = "(erased)"
LOOKUP_BATCH = 500
WRITE_BATCH = 5_000


class PersonDetails(Protocol):
    """Anything carrying a person's details: a checked submission, or a record."""

    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def organisation(self) -> str: ...
    @property
    def job_title(self) -> str: ...
    @property
    def sector(self) -> str: ...
    @property
    def hours_per_month(self) -> int: ...


def details_of(source: PersonDetails) -> dict[str, Any]:
    """The :data:`PERSON_DETAILS` of a submission or a record, by name."""
    return {name: getattr(source, name) for name in PERSON_DETAILS}


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@functools.cache
def _claim_statement(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT (email) DO NOTHING RETURNING id`` for this engine (built once: building it
    costs more than running it)."""
    volunteer = table_of(Volunteer)
    return upsert_insert(dialect, volunteer).on_conflict_do_nothing(index_elements=["email"]).returning(volunteer.c.id)


_INSERT_STEP = insert(table_of(IdentityStep))


# --- many people at once ----------------------------------------------------------------------


def new_id() -> UUID:
    """A time-ordered id (UUIDv7), so consecutive rows land side by side in every index. It is
    ``uuid_utils``' own UUID, which the GUID columns bind like a standard one, made in a fifth of the time;
    compare ids by ``str`` (it is not equal to a standard UUID of the same value)."""
    return cast(UUID, uuid_utils.uuid7())


@dataclass
class TableRows:
    """Rows for one table: the values that vary per row, in ``columns`` order, and those shared by all."""

    table: Table
    columns: tuple[str, ...]
    constants: dict[str, Any] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    sealed: frozenset[str] = frozenset()
    """Columns whose values were already encrypted by their column's type (the caller did it, in bulk)."""


class HeldPerson(NamedTuple):
    """A person already on record, as a bulk change reads them: their id, identity and details."""

    id: UUID
    identity: Identity
    details: dict[str, Any]


@dataclass
class PeopleBatch:
    """New people and changed details gathered for one bulk write, and their audit trail.

    ``how`` says how new people's first step came about (``submitted`` by the person, through the
    import); ``why`` is the audit summary of a changed record, as :meth:`PeopleService.change_details`
    writes one for a single change.
    """

    now: dt.datetime
    actor: Principal
    how: str
    why: str
    people: TableRows = field(init=False)
    first_steps: TableRows = field(init=False)
    audit_entries: TableRows = field(init=False)
    changes: list[dict[str, Any]] = field(default_factory=list)
    """``{"id", *PERSON_DETAILS, "updated_at"}`` for each person already held."""

    def __post_init__(self) -> None:
        stamps = {"created_at": self.now, "updated_at": self.now}
        self.people = TableRows(
            table_of(Volunteer),
            ("id", "email", *PERSON_DETAILS, "search_key"),
            {"identity": Identity.SUBMITTED, **stamps},
            sealed=frozenset({"phone"}),
        )
        self.first_steps = TableRows(
            table_of(IdentityStep),
            ("id", "volunteer_id"),
            {"step": Identity.SUBMITTED, "by_id": None, "by": THE_PERSON, "how": self.how, **stamps},
        )
        self.audit_entries = TableRows(
            table_of(AuditEntry),
            ("id", "subject_id", "changes"),
            {
                "actor_id": self.actor.id,
                "actor_label": self.actor.label,
                "action": DETAILS_CHANGED,
                "subject_type": "volunteer",
                "summary": self.why[:300],
                **stamps,
            },
        )

    def add(self, email: str, sealed_details: Sequence[Any]) -> UUID:
        """A new person at ``submitted``: ``sealed_details`` in :data:`PERSON_DETAILS` order, the phone
        number already encrypted by its column's type. Returns their new id."""
        volunteer_id = new_id()
        name, organisation = (
            sealed_details[PERSON_DETAILS.index("name")],
            sealed_details[PERSON_DETAILS.index("organisation")],
        )
        self.people.rows.append((volunteer_id, email, *sealed_details, search_key(name, organisation)))
        self.first_steps.rows.append((new_id(), volunteer_id))
        return volunteer_id

    def change(self, person: HeldPerson, details: Mapping[str, Any]) -> None:
        """Replace a held person's details, auditing what changed (personal values only as changed)."""
        key = search_key(
            details.get("name", person.details["name"]), details.get("organisation", person.details["organisation"])
        )
        self.changes.append({"id": person.id, **details, "search_key": key, "updated_at": self.now})
        if changed := audit.diff(person.details, details, personal=PERSONAL):
            self.audit_entries.rows.append((new_id(), str(person.id), changed))

    @property
    def inserts(self) -> tuple[TableRows, ...]:
        """What the bulk writer inserts, parents first."""
        return (self.people, self.first_steps, self.audit_entries)


class VolunteerRepository(SQLAlchemyAsyncRepository[Volunteer]):
    model_type = Volunteer


class PeopleService(DomainService[Volunteer, VolunteerRepository]):
    """People's records: made, changed, stepped up, merged and erased here only; every change audited."""

    repository_type = VolunteerRepository

    async def person(self, volunteer_id: UUID) -> Volunteer:
        person = await self.get_one_or_none(Volunteer.id == volunteer_id)
        if person is None:
            raise NotFound("volunteer", f"id {volunteer_id}")
        return person

    async def by_email(self, email: str) -> Volunteer | None:
        """The record with this (normalised) address, if any."""
        return await self.get_one_or_none(Volunteer.email == email)

    # --- new people -------------------------------------------------------------------------------

    async def claim(self, email: str, details: Mapping[str, Any]) -> UUID | None:
        """A new person's record and first identity step; ``None``, writing nothing, if the address is held.

        One ``INSERT … ON CONFLICT DO NOTHING`` both looks the address up and claims it, so of two
        submissions racing to be first only one can make the record, on either engine. Plain inserts,
        no ORM objects: every public submission takes this path.
        """
        values = {"id": uuid4(), "email": email, **details, "identity": Identity.SUBMITTED}
        values["search_key"] = search_key(values.get("name", ""), values.get("organisation", ""))
        person_id = (await run_core(self.session, _claim_statement(dialect_of(self.session)), values)).scalar()
        if person_id is not None:
            await run_core(self.session, _INSERT_STEP, _first_step(person_id))
        return cast(UUID | None, person_id)

    async def add_person(
        self, email: str, details: Mapping[str, Any], *, recorded_by: Principal | None = None, how: str = ""
    ) -> Volunteer:
        """A new person as an ORM object (the office's late entry), written at once — the unit of work does
        not order rows by foreign keys alone, so rows that refer to them follow in the next flush — with
        their first identity step: by the member of staff who recorded it, and how, when one did."""
        person = Volunteer(email=email, **details, identity=Identity.SUBMITTED)
        self.session.add(person)
        await self.session.flush()
        step = _first_step(person.id)
        if recorded_by is not None:
            step |= {"by_id": recorded_by.id, "by": recorded_by.label, "how": how}
        self.session.add(IdentityStep(**step))
        return person

    # --- changing a record ------------------------------------------------------------------------

    async def change_details(
        self, actor: Principal | None, person: Volunteer, details: Mapping[str, Any], *, why: str
    ) -> None:
        """Set some of a person's :data:`PERSON_DETAILS`; what changed is audited (personal values only
        as changed), the same for every door (see :class:`~stepchange.people.bulk.PeopleBatch`)."""
        unknown = set(details) - set(PERSON_DETAILS)
        assert not unknown, f"not a person's details: {unknown}"
        before = {name: getattr(person, name) for name in details}
        for name, value in details.items():
            setattr(person, name, value)
        person.search_key = search_key(person.name, person.organisation)
        if changed := audit.diff(before, details, personal=PERSONAL):
            await audit.record(
                self.session,
                actor,
                DETAILS_CHANGED,
                subject_type="volunteer",
                subject_id=person.id,
                summary=why,
                changes=changed,
            )

    async def change_email(self, actor: Principal | None, person: Volunteer, email: str) -> None:
        """Replace the person's address with one they have confirmed from that address (refused if another
        record holds it: the office merges two records, not the person)."""
        email = normalise_email(email)
        other = await self.by_email(email)
        if other is not None and other.id != person.id:
            raise RuleViolation(
                [BrokenRule("email_taken", "Another record uses that address: ask the programme office to join them")]
            )
        person.email = email
        await audit.record(
            self.session,
            actor,
            DETAILS_CHANGED,
            subject_type="volunteer",
            subject_id=person.id,
            summary="Email address changed, confirmed from the new address",
            changes={"email": audit.CHANGED},
        )

    async def mark_reminded(self, person: Volunteer, at: dt.datetime) -> None:
        """The one reminder to confirm the address has been sent."""
        person.reminded_at = at

    async def step(self, person: Volunteer, to: Identity, *, how: str, by: Principal | str = THE_SERVICE) -> None:
        """One step in how well the office knows the person, recorded with who took it and how.
        ``by`` is the member of staff, or who else it was (:data:`THE_PERSON`, :data:`THE_SERVICE`)."""
        person.identity = to
        by_id, label = (None, by) if isinstance(by, str) else (by.id, by.label)
        self.session.add(IdentityStep(volunteer_id=person.id, step=to, by_id=by_id, by=label, how=how))

    async def history(self, volunteer_id: UUID) -> Sequence[IdentityStep]:
        rows = await self.session.scalars(
            select(IdentityStep).where(IdentityStep.volunteer_id == volunteer_id).order_by(IdentityStep.created_at)
        )
        return rows.all()

    # --- two records of one person ------------------------------------------------------------------

    async def merge(self, actor: Principal, survivor: Volunteer, other: Volunteer, *, identity: Identity) -> Volunteer:
        """Make ``other`` part of ``survivor``: everything that referred to it moves over and its history is
        kept; for a call both answered the later expression stays; the survivor offers the larger number of
        hours and stands at ``identity`` (the caller's judgement of the surer of the two)."""
        for step in MERGE_STEPS():
            await step.before_merge(self.session, survivor.id, other.id)
        await move_records(self.session, survivor.id, other.id)
        survivor.hours_per_month = max(survivor.hours_per_month, other.hours_per_month)
        await self.step(survivor, identity, how=f"merged with the record for {other.email}", by=actor)
        await self.session.execute(delete(Volunteer).where(Volunteer.id == other.id))
        await audit.record(
            self.session,
            actor,
            "volunteer.merged",
            subject_type="volunteer",
            subject_id=survivor.id,
            summary=f"Merged record {other.id} into {survivor.id}",
        )
        survivor_id = survivor.id
        self.session.expire_all()
        return await self.session.get_one(Volunteer, survivor_id, populate_existing=True)

    # --- erasure ----------------------------------------------------------------------------------

    async def anonymise(self, person: Volunteer) -> None:
        """Empty the record and its identity history of everything that says who the person is; the
        record stays (it is counted), marked erased."""
        person.name, person.email, person.phone = ERASED, f"erased-{person.id}@erased.invalid", ""
        person.organisation, person.job_title, person.search_key = ERASED, ERASED, ""
        person.erased_at = clock.now()
        await self.session.execute(
            update(IdentityStep).where(IdentityStep.volunteer_id == person.id).values(how=ERASED)
        )

    # --- many people at once (the import) ---------------------------------------------------------

    async def held(self, emails: Sequence[str]) -> dict[str, HeldPerson]:
        """The people already on record with these (normalised) addresses, by address, with their details
        (decrypted: only those of people held)."""
        columns = [getattr(Volunteer, name) for name in PERSON_DETAILS]
        found: dict[str, HeldPerson] = {}
        for chunk in _chunks(emails, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(Volunteer.email, Volunteer.id, Volunteer.identity, *columns).where(Volunteer.email.in_(chunk))
            )
            for email, volunteer_id, identity, *details in rows:
                found[email] = HeldPerson(volunteer_id, identity, dict(zip(PERSON_DETAILS, details, strict=True)))
        return found

    async def write_batch(self, batch: PeopleBatch, insert_rows: Callable[[TableRows], Awaitable[None]]) -> None:
        """Write a :class:`~stepchange.people.bulk.PeopleBatch`: the held people's changed details first
        (ORM bulk UPDATE by primary key, one executemany per batch), then the new rows by the caller's
        bulk writer (which may still be running the last of them when this returns)."""
        for chunk in _chunks(batch.changes, WRITE_BATCH):
            await self.session.execute(update(Volunteer), list(chunk))
        for rows in batch.inserts:
            if rows.rows:
                await insert_rows(rows)


def _first_step(person_id: UUID) -> dict[str, Any]:
    return {"volunteer_id": person_id, "step": Identity.SUBMITTED, "by": THE_PERSON, "how": "submitted"}
