"""Expressions of interest: calls and their windows, the submission rules, confirmation by e-mail and
one person, one record (DESIGN.md, "Calls" and "One person, one record")."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, cast
from uuid import UUID, uuid4

import msgspec
import phonenumbers
from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import BindParameter, ColumnElement, Executable, bindparam, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit
from stepchange.core.database import dialect_of, run_core, table_of, upsert_insert
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.links import issue_link, use_link
from stepchange.core.mail import queue_mail
from stepchange.core.services import DomainService
from stepchange.core.settings import Settings
from stepchange.core.templating import UK, uk_datetime
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.ethics.models import ConflictKind, Declaration, declaration_project
from stepchange.interest.models import (
    Call,
    Choice,
    ChoiceRole,
    Expression,
    ExpressionStatus,
    HeldSubmission,
    call_project,
    ends_at,
)
from stepchange.people.identity import IdentityService
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.models import Project

logger = logging.getLogger("stepchange.interest")
CONFIRMATION = "interest_confirmation"
CONFIRMATION_LIFETIME = dt.timedelta(days=7)
REMIND_AFTER = dt.timedelta(hours=48)
"""People who have not confirmed their address after this long get one reminder."""
STATEMENT_VERSION = "2018-1"
STATEMENT = (
    "Work undertaken for Step-Change is not classified, but it is in confidence. I will not share what I "
    "learn through the programme outside it without the programme office's agreement."
)
MIN_HOURS, MAX_HOURS = 1, 160
CREDENTIALS = ("SIA licence", "CSAS", "CPIW", "CTSSR")
SECTORS = (
    "Transport",
    "Retail",
    "Hospitality and leisure",
    "Sport and events",
    "Travel and tourism",
    "Finance and insurance",
    "Technology and telecoms",
    "Security services",
    "Property and facilities",
    "Health",
    "Education",
    "Government and public sector",
    "Policing",
    "Charity and community",
    "Other",
)
ANSWER = "Thank you. Check your email: we have sent a link to confirm your expression of interest."


def start_of_day_uk(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in Europe/London, as a UTC instant."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=UK).astimezone(dt.UTC)


def end_of_day_uk(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` ends in Europe/London: "closing 25 May" means this."""
    return start_of_day_uk(day + dt.timedelta(days=1))


def uk_moment(value: str, field_name: str, *, end_of_day: bool) -> dt.datetime:
    """An ISO date or date-time typed in UK time; a bare date is its start, or its end for closing times."""
    try:
        if len(value.strip()) == 10:
            day = dt.date.fromisoformat(value.strip())
            return end_of_day_uk(day) if end_of_day else start_of_day_uk(day)
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput.one(
            field_name, "Enter a date like 2026-12-01, or a date and time like 2026-12-01T17:00"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UK)).astimezone(dt.UTC)


def is_open(call: Call | CallWindow, at: dt.datetime) -> bool:
    return call.opens_at <= at < call.ends_at


def open_at(at: dt.datetime | BindParameter[Any]) -> tuple[ColumnElement[bool], ...]:
    """The conditions a call open at ``at`` meets."""
    return (
        Call.opens_at <= at,
        Call.closes_at > at,
        or_(Call.closed_early_at.is_(None), Call.closed_early_at > at),
    )


def last_moment(call: Call | CallWindow) -> str:
    """The last minute a call is open, as people read it: "11:59pm on Friday 25 May 2018"."""
    return uk_datetime(call.ends_at - dt.timedelta(minutes=1))


# --- calls ----------------------------------------------------------------------------------------


class CallRepository(SQLAlchemyAsyncRepository[Call]):
    model_type = Call


class CallService(DomainService[Call, CallRepository]):
    """Calls to action: the office opens, extends and closes them; the public answers while they are open."""

    repository_type = CallRepository

    async def open_call(self, at: dt.datetime | None = None) -> Call | None:
        """The call open at ``at`` (now by default) that closes soonest, if any."""
        found = await self.get_many(*open_at(at or dt.datetime.now(dt.UTC)), order_by=[(Call.closes_at, False)])
        return found[0] if found else None

    async def latest(self) -> Call | None:
        found = await self.get_many(order_by=[(Call.opens_at, True)])
        return found[0] if found else None

    async def by_id(self, call_id: UUID) -> Call:
        call = await self.get_one_or_none(Call.id == call_id)
        if call is None:
            raise NotFound("call", f"id {call_id}")
        return call

    async def all_calls(self) -> Sequence[Call]:
        return await self.get_many(order_by=[(Call.opens_at, True)])

    async def create_call(
        self, actor: Principal, *, name: str, opens_at: str, closes_at: str, projects: Sequence[str]
    ) -> Call:
        """Open a call (UK times) offering the given projects."""
        errors = [p for p in [text_problem(name, "name", label="a name", max_length=200)] if p]
        window: dict[str, dt.datetime] = {}
        for label, value in (("opens_at", opens_at), ("closes_at", closes_at)):
            try:
                window[label] = uk_moment(value, label, end_of_day=label == "closes_at")
            except InvalidInput as exc:
                errors.extend(exc.errors)
        if len(window) == 2 and window["closes_at"] <= window["opens_at"]:
            errors.append(FieldError("closes_at", "The closing time must be after the opening time"))
        offered = await self._projects(projects, errors)
        if errors:
            raise InvalidInput(errors)
        if await self.get_one_or_none(Call.name == name.strip()) is not None:
            raise RuleViolation([BrokenRule("name_taken", f"There is already a call named {name.strip()!r}")])
        opens, closes = window["opens_at"], window["closes_at"]
        call = Call(name=name.strip(), opens_at=opens, closes_at=closes, projects=offered)
        self.session.add(call)
        await self.session.flush()
        await audit.record(
            self.session,
            actor,
            "call.created",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes=audit.diff({}, {"opens_at": opens, "closes_at": closes, "projects": ", ".join(projects)}),
        )
        return call

    async def _projects(self, codes: Sequence[str], errors: list[FieldError]) -> list[Project]:
        if not codes:
            errors.append(FieldError("projects", "Choose at least one project for the call"))
            return []
        wanted = [c.strip().upper() for c in codes]
        found = {p.code: p for p in (await self.session.scalars(select(Project).where(Project.code.in_(wanted)))).all()}
        for i, code in enumerate(wanted):
            if code not in found:
                errors.append(FieldError(f"projects[{i}]", f"There is no project {code!r}"))
        return [found[c] for c in dict.fromkeys(wanted) if c in found]

    async def extend(self, actor: Principal, call_id: UUID, closes_at: str) -> Call:
        """Move the closing time later (an extension); to close early use :meth:`close_now`."""
        call = await self.by_id(call_id)
        new_close = uk_moment(closes_at, "closes_at", end_of_day=True)
        if new_close <= call.closes_at:
            raise InvalidInput.one("closes_at", f"An extension must close after {last_moment(call)}")
        before = {"closes_at": call.closes_at, "closed_early_at": call.closed_early_at}
        call.closes_at, call.closed_early_at = new_close, None
        await audit.record(
            self.session,
            actor,
            "call.extended",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes=audit.diff(before, {"closes_at": new_close, "closed_early_at": None}),
        )
        return call

    async def close_now(self, actor: Principal, call_id: UUID) -> Call:
        call = await self.by_id(call_id)
        now = dt.datetime.now(dt.UTC)
        if not is_open(call, now):
            raise RuleViolation([BrokenRule("call_closed", f"This call already closed at {last_moment(call)}")])
        call.closed_early_at = now
        await audit.record(
            self.session,
            actor,
            "call.closed_early",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes={"closed_early_at": {"before": None, "after": str(now)}},
        )
        return call


# --- the office's people views --------------------------------------------------------------------


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
        if self.text:
            like = f"%{self.text}%"
            where.append(
                or_(
                    Volunteer.name.ilike(like),
                    Volunteer.email.ilike(like),
                    Volunteer.organisation.ilike(like),
                    Volunteer.job_title.ilike(like),
                )
            )
        if (chosen := self._choice_exists()) is not None:
            where.append(chosen)
        return where


# --- submissions ----------------------------------------------------------------------------------


ProjectCodes = tuple[tuple[UUID, str], ...]
"""Every project's id and code."""


class Addressee(Protocol):
    """Whom a confirmation e-mail greets and goes to: a person's record, or a :class:`NewPerson`."""

    @property
    def id(self) -> UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str: ...


class NewPerson(NamedTuple):
    """A person whose record has just been written (without making an ORM object)."""

    id: UUID
    name: str
    email: str


class ProjectRef(NamedTuple):
    id: UUID
    code: str


@dataclass(frozen=True)
class CallWindow:
    """A call as a submission is checked against it, with every project's id and code.

    Plain values, read without making ORM objects (a call's ``projects`` would load every offered
    project in full): the submission path reads this on every request, and the import ships it to its
    worker processes.
    """

    id: UUID
    name: str
    opens_at: dt.datetime
    ends_at: dt.datetime
    offered: frozenset[UUID]
    projects: ProjectCodes

    @classmethod
    def of(cls, call: Call, projects: ProjectCodes) -> CallWindow:
        """The window of a call already loaded (its ``projects`` with it)."""
        offered = frozenset(p.id for p in call.projects)
        return cls(call.id, call.name, call.opens_at, call.ends_at, offered, projects)

    @classmethod
    def outside_any_call(cls, projects: ProjectCodes) -> CallWindow:
        """For checking what does not belong to a call (a declaration made later)."""
        never = dt.datetime.min.replace(tzinfo=dt.UTC)
        return cls(UUID(int=0), "", never, never, frozenset(), projects)


@dataclass
class CleanSubmission:
    """A submission that passed every rule: trimmed, normalised, projects resolved."""

    name: str
    email: str
    phone: str
    organisation: str
    job_title: str
    sector: str
    hours_per_month: int
    experience: str
    credentials: list[str]
    no_conflicts: bool
    choices: list[tuple[UUID, int, ChoiceRole]]
    declarations: list[tuple[ConflictKind, str, str, list[UUID]]] = field(default_factory=list)

    def to_json(self) -> str:
        return msgspec.json.encode(self).decode()

    @classmethod
    def from_json(cls, raw: str) -> CleanSubmission:
        return msgspec.json.decode(raw, type=cls)


_UK_TEN_DIGITS = re.compile(r"(?:0|\+44 ?)([1-9]\d{2,4}(?:[ -]?\d{2,4}){2,3})")


PERSON_DETAILS = ("name", "phone", "organisation", "job_title", "sector", "hours_per_month")
"""What a person's latest submission sets on their record (a repeat replaces them)."""


def person_details(source: CleanSubmission | Volunteer) -> dict[str, Any]:
    return {name: getattr(source, name) for name in PERSON_DETAILS}


def phone_problem(value: str) -> tuple[str | None, FieldError | None]:
    """The number in E.164 form, or why it is not a phone number (UK numbers need no +44).

    A UK number written the usual way — 0 or +44, then ten digits in groups — is every time a possible
    number whose E.164 form is +44 and those digits, which is what the phonenumbers library answers
    for it (it takes a hundred times longer, and an import checks 100,000 of them); anything else is
    left to the library.
    """
    if (usual := _UK_TEN_DIGITS.fullmatch(value.strip())) is not None:
        digits = usual.group(1).replace(" ", "").replace("-", "")
        if len(digits) == 10:
            return f"+44{digits}", None
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        return None, FieldError(
            "phone", "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def credential_problem(value: str, index: int) -> FieldError | None:
    if value in CREDENTIALS:
        return None
    if value.lower().startswith("other:") and value[6:].strip():
        return text_problem(value, f"credentials[{index}]", label="the credential", max_length=200)
    return FieldError(f"credentials[{index}]", f"Choose from {', '.join(CREDENTIALS)}, or write 'Other: …'")


class SubmissionRules:
    """Checks a submission against a call and names every failing field at once."""

    def __init__(self, call: CallWindow) -> None:
        self.call = call
        self.projects = {code: ProjectRef(project_id, code) for project_id, code in call.projects}
        self.errors: list[FieldError] = []

    def _text(self, value: str, name: str, label: str, limit: int = 200, required: bool = True) -> str:
        if problem := text_problem(value, name, label=label, max_length=limit, required=required):
            self.errors.append(problem)
        return value.strip()

    def check(self, data: Any) -> CleanSubmission:
        name = self._text(data.name, "name", "your full name")
        if problem := email_problem(data.email):
            self.errors.append(problem)
        phone, problem = phone_problem(data.phone)
        if problem:
            self.errors.append(problem)
        organisation = self._text(data.organisation, "organisation", "your organisation")
        job_title = self._text(data.job_title, "job_title", "your job title")
        if data.sector not in SECTORS:
            self.errors.append(FieldError("sector", "Choose your sector from the list"))
        choices = self._choices(data.choices)
        self._hours(data.hours_per_month)
        experience = self._text(data.experience, "experience", "your experience", 5000, required=False)
        for i, credential in enumerate(data.credentials):
            if problem := credential_problem(credential.strip(), i):
                self.errors.append(problem)
        declarations = self._declarations(data.conflicts, data.no_conflicts)
        if not data.confidentiality_accepted:
            self.errors.append(
                FieldError("confidentiality_accepted", "Accept the in-confidence statement to take part")
            )
        if self.errors:
            raise InvalidInput(self.errors)
        return CleanSubmission(
            name=name,
            email=normalise_email(data.email),
            phone=phone or "",
            organisation=organisation,
            job_title=job_title,
            sector=data.sector,
            hours_per_month=data.hours_per_month,
            experience=experience,
            credentials=[c.strip() for c in data.credentials],
            no_conflicts=bool(data.no_conflicts),
            choices=choices,
            declarations=declarations,
        )

    def check_choices(self, choices: Sequence[Any], hours_per_month: int) -> list[tuple[UUID, int, ChoiceRole]]:
        """Just the choices and hours (a volunteer changing them while the call is open)."""
        out = self._choices(choices)
        self._hours(hours_per_month)
        if self.errors:
            raise InvalidInput(self.errors)
        return out

    def check_declaration(self, declaration: Any) -> tuple[ConflictKind, str, str, list[UUID]]:
        """Just one declaration (a volunteer adding or changing one later)."""
        [out] = self._declarations([declaration], no_conflicts=False)
        if self.errors:
            raise InvalidInput([FieldError(e.field.replace("conflicts[0].", ""), e.message) for e in self.errors])
        return out

    def _hours(self, hours_per_month: int) -> None:
        if not MIN_HOURS <= hours_per_month <= MAX_HOURS:
            self.errors.append(
                FieldError("hours_per_month", f"Enter the hours you can offer a month, from {MIN_HOURS} to {MAX_HOURS}")
            )

    def _project(self, code: str, where: str, *, in_call: bool) -> ProjectRef | None:
        project = self.projects.get(code.strip().upper())
        if project is None:
            self.errors.append(FieldError(where, f"There is no project {code!r}"))
        elif in_call and project.id not in self.call.offered:
            self.errors.append(FieldError(where, f"{project.code} is not offered in {self.call.name}"))
            return None
        return project

    def _choices(self, choices: Sequence[Any]) -> list[tuple[UUID, int, ChoiceRole]]:
        if not choices:
            self.errors.append(FieldError("choices", "Choose at least one project"))
        seen_projects: set[UUID] = set()
        seen_ranks: set[int] = set()
        out = []
        for i, choice in enumerate(choices):
            project = self._project(choice.project, f"choices[{i}].project", in_call=True)
            if project is not None and project.id in seen_projects:
                self.errors.append(FieldError(f"choices[{i}].project", f"{project.code} is chosen more than once"))
            if choice.rank in seen_ranks:
                self.errors.append(FieldError(f"choices[{i}].rank", f"Rank {choice.rank} is used more than once"))
            seen_ranks.add(choice.rank)
            if project is not None and project.id not in seen_projects:
                seen_projects.add(project.id)
                out.append((project.id, choice.rank, ChoiceRole(choice.role)))
        return out

    def _declarations(
        self, conflicts: Sequence[Any], no_conflicts: bool
    ) -> list[tuple[ConflictKind, str, str, list[UUID]]]:
        if not conflicts and not no_conflicts:
            self.errors.append(
                FieldError("conflicts", "Declare any conflicts of interest, or confirm you have nothing to declare")
            )
        if conflicts and no_conflicts:
            self.errors.append(FieldError("no_conflicts", "You said you have nothing to declare but listed conflicts"))
        out = []
        for i, conflict in enumerate(conflicts):
            description = self._text(conflict.description, f"conflicts[{i}].description", "what the conflict is", 5000)
            organisation = self._text(
                conflict.organisation, f"conflicts[{i}].organisation", "the organisation", required=False
            )
            touched = [self._project(code, f"conflicts[{i}].projects", in_call=False) for code in conflict.projects]
            out.append((ConflictKind(conflict.kind), description, organisation, [p.id for p in touched if p]))
        return out


# The statements every submission runs, built once (building one costs more than running it).
_CALL_COLUMNS = select(Call.id, Call.name, Call.opens_at, Call.closes_at, Call.closed_early_at)
_CALL_BY_ID = _CALL_COLUMNS.where(Call.id == bindparam("call_id"))
_CALL_OPEN_AT = _CALL_COLUMNS.where(*open_at(bindparam("at"))).order_by(Call.closes_at).limit(1)
_LATEST_CALL = _CALL_COLUMNS.order_by(Call.opens_at.desc()).limit(1)
_OFFERS = (call_project.c.project_id == Project.id) & (call_project.c.call_id == bindparam("call_id"))
_PROJECTS_OFFERED = (
    select(Project.id, Project.code, call_project.c.call_id.is_not(None))
    .outerjoin(call_project, _OFFERS)
    .order_by(Project.code)
)
_INSERT_EXPRESSION = insert(table_of(Expression))
_INSERT_CHOICE = insert(table_of(Choice))
_INSERT_DECLARATION = insert(table_of(Declaration))
_INSERT_DECLARED_PROJECT = insert(declaration_project)
_INSERT_IDENTITY_STEP = insert(table_of(IdentityStep))


@functools.cache
def _insert_new_person(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT (email) DO NOTHING RETURNING id`` for this engine."""
    volunteer = table_of(Volunteer)
    return upsert_insert(dialect, volunteer).on_conflict_do_nothing(index_elements=["email"]).returning(volunteer.c.id)


class VolunteerRepository(SQLAlchemyAsyncRepository[Volunteer]):
    model_type = Volunteer


class InterestService(DomainService[Volunteer, VolunteerRepository]):
    """Submissions, confirmation by e-mail and the people behind them; every change audited."""

    repository_type = VolunteerRepository

    async def call_for(self, call_id: UUID | None, at: dt.datetime, *, late: bool = False) -> CallWindow:
        """The call a submission answers: the one named, or the one open now (else the latest, to say it
        has closed); refused outside its window."""
        if call_id is not None:
            row = (await run_core(self.session, _CALL_BY_ID, {"call_id": call_id})).first()
            if row is None:
                raise InvalidInput.one("call", "There is no such call")
        else:
            row = (await run_core(self.session, _CALL_OPEN_AT, {"at": at})).first()
            row = row or (await run_core(self.session, _LATEST_CALL)).first()
            if row is None:
                raise RuleViolation([BrokenRule("no_call", "There is no call to action open at the moment")])
        call = await self._window(row.id, row.name, row.opens_at, ends_at(row.closes_at, row.closed_early_at))
        if at < call.opens_at:
            raise RuleViolation([BrokenRule("call_not_open", f"{call.name} opens at {uk_datetime(call.opens_at)}")])
        if at >= call.ends_at and not late:
            raise RuleViolation(
                [BrokenRule("call_closed", f"{call.name} is closed: it closed at {last_moment(call)}")],
                closed_at=call.ends_at.isoformat(),
            )
        return call

    async def _window(self, call_id: UUID, name: str, opens_at: dt.datetime, ends_at: dt.datetime) -> CallWindow:
        """The call's window with every project's id and code and whether the call offers it (read as plain
        rows: cheaper than one query joining both, which repeats the call's columns on every row)."""
        rows = await run_core(self.session, _PROJECTS_OFFERED, {"call_id": call_id})
        codes, offered = [], set()
        for project_id, code, is_offered in cast(Iterable[tuple[UUID, str, bool]], rows):
            codes.append((project_id, code))
            if is_offered:
                offered.add(project_id)
        return CallWindow(call_id, name, opens_at, ends_at, frozenset(offered), tuple(codes))

    async def check(self, data: Any) -> tuple[CallWindow, CleanSubmission]:
        """Every rule a submission must pass now, without storing anything (the form's check-your-answers)."""
        call = await self.call_for(data.call, dt.datetime.now(dt.UTC))
        return call, SubmissionRules(call).check(data)

    async def projects_named(self, project_ids: Iterable[UUID]) -> dict[UUID, Project]:
        rows = await self.session.scalars(select(Project).where(Project.id.in_(list(project_ids))))
        return {p.id: p for p in rows}

    async def submit(self, data: Any, settings: Settings, *, source: str = "form") -> tuple[UUID, ExpressionStatus]:
        """Take a public submission. A new address gets its record at once; a known one has the submission
        held until the address confirms it. Both answer alike and both get an e-mail with a link."""
        call, clean = await self.check(data)
        return await self.submit_checked(call, clean, settings, source=source)

    async def submit_checked(
        self, call: CallWindow, clean: CleanSubmission, settings: Settings, *, source: str
    ) -> tuple[UUID, ExpressionStatus]:
        """Store a submission :meth:`check` has just passed (the form checks first, to show every error)."""
        now = dt.datetime.now(dt.UTC)
        person_id = await self._insert_person(clean)
        if person_id is not None:
            addressee: Addressee = NewPerson(person_id, clean.name, clean.email)
            expression_id = await self._record(person_id, call.id, clean, now, source=source, first=True)
            subject_id, payload, kind = expression_id, {"expression_id": str(expression_id)}, "new"
        else:
            # A known address, or one that has just won a race to be first (a double click): held.
            person = await self._by_email(clean.email)
            held = HeldSubmission(id=uuid4(), volunteer_id=person.id, call_id=call.id, payload=clean.to_json())
            self.session.add(held)
            person_id, addressee = person.id, person
            subject_id, payload, kind = held.id, {"held_id": str(held.id)}, "held"
        await self._send_confirmation(addressee, call.name, payload, settings, kind)
        logger.info("Expression of interest received for %s (%s, %s)", call.name, source, kind)
        await audit.record(
            self.session,
            None,
            "interest.submitted",
            subject_type="volunteer",
            subject_id=person_id,
            summary=f"{source} submission to {call.name} ({kind})",
        )
        return subject_id, ExpressionStatus.AWAITING_CONFIRMATION

    async def _insert_person(self, clean: CleanSubmission) -> UUID | None:
        """A new person's record and first identity step; ``None``, writing nothing, if the address is known.

        One ``INSERT … ON CONFLICT DO NOTHING`` both looks the address up and claims it, so of two
        submissions racing to be first only one can make the record, on either engine.
        """
        statement = _insert_new_person(dialect_of(self.session))
        person_id = (await run_core(self.session, statement, {"id": uuid4(), **self._person_values(clean)})).scalar()
        if person_id is not None:
            await run_core(self.session, _INSERT_IDENTITY_STEP, self._first_step(person_id))
        return cast(UUID | None, person_id)

    async def _new_person(self, clean: CleanSubmission) -> Volunteer:
        """A new person, written at once (the unit of work does not order rows by foreign keys alone, so
        the rows that refer to them follow in the next flush), and their first identity step."""
        person = Volunteer(**self._person_values(clean))
        self.session.add(person)
        await self.session.flush()
        self.session.add(IdentityStep(**self._first_step(person.id)))
        return person

    @staticmethod
    def _person_values(clean: CleanSubmission) -> dict[str, Any]:
        return {"email": clean.email, **person_details(clean), "identity": Identity.SUBMITTED}

    @staticmethod
    def _first_step(person_id: UUID) -> dict[str, Any]:
        return {"volunteer_id": person_id, "step": Identity.SUBMITTED, "by": "the person", "how": "submitted"}

    async def _by_email(self, email: str) -> Volunteer:
        person = await self.get_one_or_none(Volunteer.email == email)
        if person is None:
            raise NotFound("volunteer", email)
        return person

    async def _record(
        self,
        person_id: UUID,
        call_id: UUID,
        clean: CleanSubmission,
        at: dt.datetime,
        *,
        source: str,
        status: ExpressionStatus = ExpressionStatus.AWAITING_CONFIRMATION,
        late_reason: str = "",
        first: bool = False,
    ) -> UUID:
        """Write (or replace) the person's expression for this call, its choices and any new declarations;
        return the expression's id. ``first``: the person is new, so there is nothing to replace.

        New rows go in as plain inserts, one statement a table, without ORM objects: every submission
        takes this path, and the unit of work would cost more than the writes themselves.
        """
        values = {
            "hours_per_month": clean.hours_per_month,
            "experience": clean.experience,
            "credentials": clean.credentials,
            "no_conflicts": clean.no_conflicts,
            "statement_version": STATEMENT_VERSION,
            "statement_accepted_at": at,
            "submitted_at": at,
            "source": source,
            "late": bool(late_reason),
            "late_reason": late_reason,
        }
        existing = None
        if not first:
            existing = await self.session.scalar(
                select(Expression).where(Expression.volunteer_id == person_id, Expression.call_id == call_id)
            )
        if existing is None:
            expression_id = uuid4()
            await run_core(
                self.session,
                _INSERT_EXPRESSION,
                {"id": expression_id, "volunteer_id": person_id, "call_id": call_id, "status": status, **values},
            )
        else:
            expression_id = existing.id
            for name, value in values.items():
                setattr(existing, name, value)
            await self.session.execute(delete(Choice).where(Choice.expression_id == expression_id))
            self.session.expire(existing, ["choices"])
        await run_core(
            self.session,
            _INSERT_CHOICE,
            [
                {"expression_id": expression_id, "project_id": project_id, "rank": rank, "role": role}
                for project_id, rank, role in clean.choices
            ],
        )
        await self._declare(person_id, clean.declarations)
        return expression_id

    async def _declare(self, person_id: UUID, declarations: list[tuple[ConflictKind, str, str, list[UUID]]]) -> None:
        if not declarations:
            return
        ids = [uuid4() for _ in declarations]
        await run_core(
            self.session,
            _INSERT_DECLARATION,
            [
                {
                    "id": i,
                    "volunteer_id": person_id,
                    "kind": kind,
                    "description": description,
                    "organisation": where,
                }
                for i, (kind, description, where, _) in zip(ids, declarations, strict=True)
            ],
        )
        touched = [
            {"declaration_id": i, "project_id": project_id}
            for i, (_, _, _, project_ids) in zip(ids, declarations, strict=True)
            for project_id in project_ids
        ]
        if touched:
            await run_core(self.session, _INSERT_DECLARED_PROJECT, touched)

    async def _send_confirmation(
        self, person: Addressee, call_name: str, payload: dict[str, str], settings: Settings, kind: str
    ) -> None:
        token = await issue_link(
            self.session, CONFIRMATION, person.id, lifetime=CONFIRMATION_LIFETIME, payload=payload, revoke_earlier=False
        )
        url = f"{settings.base_url}/interest/verify/{token}"
        what = "the changes to your expression of interest" if kind == "held" else "your expression of interest"
        opening = (
            "A reminder: we have not yet heard that this address is yours."
            if kind == "reminder"
            else f"Thank you for offering your time to Step-Change ({call_name})."
        )
        text = (
            f"Dear {person.name},\n\n{opening}\n\n"
            f"Please confirm {what} by opening this link and pressing the button (it works once and expires "
            f"in 7 days):\n{url}\n\nIf this was not you, ignore this message and nothing will change.\n"
        )
        await queue_mail(
            self.session,
            to=person.email,
            subject="Confirm your Step-Change expression of interest",
            text=text,
            category=CONFIRMATION,
        )

    async def confirm(self, token: str) -> tuple[Expression, Call]:
        """Use a confirmation link: the address is confirmed, and a held submission replaces that call's."""
        link = await use_link(self.session, CONFIRMATION, token)
        person = await self.get_one_or_none(Volunteer.id == link.subject_id)
        if person is None:
            raise NotFound("link", "that address")
        if "held_id" in link.payload:
            expression, call = await self._apply_held(person, UUID(link.payload["held_id"]))
        else:
            expression = await self.session.get_one(Expression, UUID(link.payload["expression_id"]))
            call = await self.session.get_one(Call, expression.call_id)
        expression.status = ExpressionStatus.CONFIRMED
        await self._email_confirmed(person)
        await audit.record(
            self.session,
            None,
            "interest.confirmed",
            subject_type="volunteer",
            subject_id=person.id,
            summary=f"Confirmed by e-mail for {call.name}",
        )
        return expression, call

    async def _apply_held(self, person: Volunteer, held_id: UUID) -> tuple[Expression, Call]:
        held = await self.session.get(HeldSubmission, held_id)
        if held is None:
            raise RuleViolation([BrokenRule("link_used", "This submission has already been confirmed")])
        clean = CleanSubmission.from_json(held.payload)
        call = await self.session.get_one(Call, held.call_id)
        before, after = person_details(person), person_details(clean)
        for name, value in after.items():
            setattr(person, name, value)
        expression_id = await self._record(person.id, call.id, clean, held.created_at, source="form")
        expression = await self.session.get_one(Expression, expression_id)
        await self.session.delete(held)
        await audit.record(
            self.session,
            None,
            "interest.replaced",
            subject_type="volunteer",
            subject_id=person.id,
            summary=f"A confirmed repeat submission replaced the choices for {call.name}",
            changes=audit.diff(before, after, personal={"name", "phone"}),
        )
        return expression, call

    async def _email_confirmed(self, person: Volunteer) -> None:
        """The address is the person's: record it, then see whether its domain confirms their organisation."""
        if person.identity is Identity.SUBMITTED:
            person.identity = Identity.EMAIL_CONFIRMED
            self.session.add(
                IdentityStep(
                    volunteer_id=person.id,
                    step=Identity.EMAIL_CONFIRMED,
                    by="the person",
                    how="opened the emailed link and confirmed",
                )
            )
            await IdentityService(self.session).confirm_organisation_by_domain(person)

    async def late_entry(self, actor: Principal, data: Any, reason: str, settings: Settings) -> Expression:
        """The office records a submission on someone's behalf after the closing time, marked late with the reason.

        Office entries merge directly into the person's record (no held copy); the person still confirms
        their address by the emailed link.
        """
        if problem := text_problem(reason, "late_reason", label="why it is late", max_length=500):
            raise InvalidInput([problem])
        now = dt.datetime.now(dt.UTC)
        call = await self.call_for(data.call, now, late=True)
        clean = SubmissionRules(call).check(data)
        person = await self.get_one_or_none(Volunteer.email == clean.email) or await self._new_person(clean)
        for name, value in person_details(clean).items():
            setattr(person, name, value)
        expression_id = await self._record(person.id, call.id, clean, now, source="office", late_reason=reason.strip())
        if person.identity is Identity.SUBMITTED:
            await self._send_confirmation(person, call.name, {"expression_id": str(expression_id)}, settings, "new")
        await audit.record(
            self.session,
            actor,
            "interest.late_entry",
            subject_type="volunteer",
            subject_id=person.id,
            summary=f"Late entry for {call.name}: {reason.strip()[:200]}",
        )
        return await self.session.get_one(Expression, expression_id)

    async def send_reminders(self, settings: Settings, *, now: dt.datetime | None = None) -> int:
        """One reminder, with a fresh link, to people who have not confirmed their address after a while."""
        now = now or dt.datetime.now(dt.UTC)
        waiting = await self.session.execute(
            select(Volunteer, Expression)
            .join(Expression, Expression.volunteer_id == Volunteer.id)
            .where(
                Volunteer.identity == Identity.SUBMITTED,
                Volunteer.reminded_at.is_(None),
                Expression.status == ExpressionStatus.AWAITING_CONFIRMATION,
                Expression.submitted_at < now - REMIND_AFTER,
            )
            .order_by(Expression.submitted_at)
        )
        reminded: set[UUID] = set()
        for person, expression in waiting.all():
            if person.id in reminded:
                continue
            call_name = await self._call_name(expression.call_id)
            payload = {"expression_id": str(expression.id)}
            await self._send_confirmation(person, call_name, payload, settings, "reminder")
            person.reminded_at = now
            reminded.add(person.id)
        return len(reminded)

    async def resend(self, email: str, settings: Settings) -> None:
        """Send a fresh confirmation link for the address's latest unconfirmed submission; say nothing either way."""
        if email_problem(email) is not None:
            return
        person = await self.get_one_or_none(Volunteer.email == normalise_email(email))
        if person is None:
            return
        held = await self.session.scalar(
            select(HeldSubmission)
            .where(HeldSubmission.volunteer_id == person.id)
            .order_by(HeldSubmission.created_at.desc())
        )
        waiting = await self.session.scalar(
            select(Expression)
            .where(Expression.volunteer_id == person.id, Expression.status == ExpressionStatus.AWAITING_CONFIRMATION)
            .order_by(Expression.submitted_at.desc())
        )
        if held is not None:
            await self._send_confirmation(
                person, await self._call_name(held.call_id), {"held_id": str(held.id)}, settings, "held"
            )
        elif waiting is not None:
            await self._send_confirmation(
                person,
                await self._call_name(waiting.call_id),
                {"expression_id": str(waiting.id)},
                settings,
                "new",
            )

    async def _call_name(self, call_id: UUID) -> str:
        return str(await self.session.scalar(select(Call.name).where(Call.id == call_id)))

    # --- the office's look-up ----------------------------------------------------------------------

    async def person(self, volunteer_id: UUID) -> Volunteer:
        person = await self.get_one_or_none(Volunteer.id == volunteer_id)
        if person is None:
            raise NotFound("volunteer", f"id {volunteer_id}")
        return person

    async def people(self, search: PeopleSearch, *, limit: int, offset: int) -> tuple[Sequence[Volunteer], int]:
        """Everyone who registered, filtered as the office asks, newest first."""
        return await self.get_many_and_count(
            *search.conditions(), LimitOffset(limit=limit, offset=offset), order_by=[(Volunteer.created_at, True)]
        )

    async def declarations_of(self, person: Volunteer) -> Sequence[Declaration]:
        rows = await self.session.scalars(
            select(Declaration).where(Declaration.volunteer_id == person.id).order_by(Declaration.created_at)
        )
        return rows.all()

    async def expressions_of(self, person: Volunteer) -> list[tuple[Expression, Call]]:
        rows = await self.session.execute(
            select(Expression, Call)
            .join(Call, Expression.call_id == Call.id)
            .where(Expression.volunteer_id == person.id)
            .order_by(Call.opens_at.desc())
        )
        return [(e, c) for e, c in rows.all()]


async def send_confirmation_link(
    service: InterestService, person: Volunteer, call: Call, expression_id: UUID, settings: Settings
) -> None:
    """E-mail ``person`` the link that confirms their expression of interest in ``call``: the same message
    and ``{BASE_URL}/interest/verify/{token}`` link a public submission gets (the office's imports use it)."""
    await service._send_confirmation(person, call.name, {"expression_id": str(expression_id)}, settings, "new")


async def project_codes(session: AsyncSession) -> ProjectCodes:
    """Every project's id and code, in programme order."""
    rows = await session.execute(select(Project.id, Project.code).order_by(Project.code))
    return tuple((project_id, code) for project_id, code in rows)
