"""The rules a submission must pass (DESIGN.md, "Calls"), and the one decision whether it is accepted.

:func:`accept_submission` decides for every door — the public form and API, the office's late entry and
the SurveyMonkey import: first whether the call takes answers at that moment (each door says what it
admits outside the window), then every rule, naming every failing field at once.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

import msgspec
import phonenumbers

from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, RuleViolation
from stepchange.core.templating import uk_datetime
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.ethics.models import ConflictKind
from stepchange.interest.calls import CallWindow, last_moment
from stepchange.interest.models import ChoiceRole

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


def phone_problem(value: str) -> tuple[str | None, FieldError | None]:
    """The number in E.164 form, or why it is not a phone number (UK numbers need no +44).

    A number is taken when the phonenumbers library knows it as a valid number, or when it is a possible
    UK number of ten digits after the 0 or +44 (which keeps Ofcom's ranges for drama and examples, such as
    07700 900 982, that the library calls invalid): "12345" is refused. A UK number written the usual way
    — 0 or +44, then ten digits in groups — is every time such a number, whose E.164 form is +44 and those
    digits, so it is read without the library (which takes a hundred times longer, and an import checks
    100,000 of them).
    """
    if not value.strip():
        return None, FieldError("phone", "Enter your telephone number")
    if (usual := _UK_TEN_DIGITS.fullmatch(value.strip())) is not None:
        digits = usual.group(1).replace(" ", "").replace("-", "")
        if len(digits) == 10:
            return f"+44{digits}", None
    if (number := library_number(value)) is None:
        return None, FieldError(
            "phone", "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def library_number(value: str) -> phonenumbers.PhoneNumber | None:
    """The rule, as the phonenumbers library reads it: a valid number, or a possible ten-digit UK one."""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return number
    uk_ten = number.country_code == 44 and len(str(number.national_number)) == 10
    return number if uk_ten and phonenumbers.is_possible_number(number) else None


def credential_problem(value: str, index: int) -> FieldError | None:
    if value in CREDENTIALS:
        return None
    if value.lower().startswith("other:") and value[6:].strip():
        return text_problem(value, f"credentials[{index}]", label="the credential", max_length=200)
    return FieldError(f"credentials[{index}]", f"Choose from {', '.join(CREDENTIALS)}, or write 'Other: …'")


class ProjectRef(NamedTuple):
    id: UUID
    code: str


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
        self.errors = []  # the same rules may check many submissions (an import's rows): each starts clean
        name = self._text(data.name, "name", "your full name")
        if not data.email.strip():
            self.errors.append(FieldError("email", "Enter your email address"))
        elif problem := email_problem(data.email):
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


# --- the one decision -----------------------------------------------------------------------------


class Timing(enum.Enum):
    """When a submission came, against its call's window."""

    EARLY = "before the call opened"
    IN_TIME = "while the call was open"
    LATE = "after the call closed"
    UNKNOWN = "at a time that cannot be read"
    """Only an imported row can say this (its timestamp is unreadable; the import refuses it for that)."""


class Door(enum.Enum):
    """How a submission came in, which decides what is admitted outside the call's window."""

    PUBLIC = "the public form or the API"
    """Only while the call is open."""
    LATE_ENTRY = "the office's late entry"
    """Also after the call closed (the office gives the reason)."""
    IMPORT = "an import"
    """At any time: the import reports rows outside the window, and imports them marked late when asked."""


def timing(call: CallWindow, at: dt.datetime | None) -> Timing:
    if at is None:
        return Timing.UNKNOWN
    if at < call.opens_at:
        return Timing.EARLY
    return Timing.LATE if at >= call.ends_at else Timing.IN_TIME


@dataclass(frozen=True)
class Accepted:
    """A submission that is accepted: what it says, cleaned, and when it came against the window."""

    clean: CleanSubmission
    timing: Timing


def accept_submission(
    call: CallWindow, data: Any, at: dt.datetime | None, *, door: Door, rules: SubmissionRules | None = None
) -> Accepted:
    """Whether ``call`` accepts the submission ``data`` made at ``at`` through ``door``.

    The window first — a closed call says so (409) whatever the answers — then every rule (400, every
    failing field named). ``rules`` lets a caller checking many rows against one call reuse its rules.
    """
    when = timing(call, at)
    if when is Timing.EARLY and door is not Door.IMPORT:
        raise RuleViolation([BrokenRule("call_not_open", f"{call.name} opens at {uk_datetime(call.opens_at)}")])
    if when is Timing.LATE and door is Door.PUBLIC:
        raise RuleViolation(
            [BrokenRule("call_closed", f"{call.name} is closed: it closed at {last_moment(call)}")],
            closed_at=call.ends_at.isoformat(),
        )
    return Accepted((rules or SubmissionRules(call)).check(data), when)
