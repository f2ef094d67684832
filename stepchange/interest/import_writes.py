"""What an import writes for one chunk of accepted rows, planned row by row before any of it is written:
plain rows for the bulk writer (people's records through the people service's :class:`PeopleBatch`),
and updates by primary key for what is already held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

from stepchange.core.database import table_of
from stepchange.ethics.models import Declaration, ReviewState, declaration_project
from stepchange.interest.import_checks import Checked
from stepchange.interest.import_report import Outcome, RowResult
from stepchange.interest.models import Choice, Expression, ExpressionStatus, ImportedResponse
from stepchange.interest.rules import CleanSubmission
from stepchange.people.models import Identity
from stepchange.people.services import HeldPerson, PeopleBatch, TableRows, details_of, new_id

SOURCE = "surveymonkey"
"""``Expression.source`` for imported expressions."""
EXPRESSION = (
    "hours_per_month",
    "experience",
    "credentials",
    "no_conflicts",
    "statement_version",
    "statement_accepted_at",
    "submitted_at",
    "late",
    "late_reason",
    "source",
    "call_id",
)


class Tracked(NamedTuple):
    """A response imported before."""

    id: UUID
    content_hash: str
    declaration_id: UUID | None


@dataclass
class AcceptedRow:
    """A row that passed every rule, and its line in the report."""

    checked: Checked
    clean: CleanSubmission
    at: dt.datetime
    result: RowResult


@dataclass
class Held:
    """What the database already holds for one chunk's rows (looked up in batches beforehand)."""

    people: dict[str, HeldPerson]
    """By address."""
    expressions: dict[UUID, tuple[UUID, dt.datetime]]
    """Each held person's expression for this call: its id and when it was submitted."""
    declared: set[tuple[UUID, str]]
    """What the held people have declared already, word for word."""


@dataclass
class ChunkWrites:
    """Everything one chunk of rows writes, gathered by :meth:`plan` before any of it is written."""

    now: dt.datetime
    survey: str
    statement_version: str
    call_id: UUID
    people: PeopleBatch
    held: Held
    expressions: TableRows = field(init=False)
    choices: TableRows = field(init=False)
    declarations: TableRows = field(init=False)
    declaration_projects: TableRows = field(init=False)
    tracked: TableRows = field(init=False)
    expression_updates: list[dict[str, Any]] = field(default_factory=list)
    tracked_updates: list[dict[str, Any]] = field(default_factory=list)
    replaced_choices_of: list[UUID] = field(default_factory=list)
    withdrawn_declarations: list[UUID] = field(default_factory=list)
    confirm: list[tuple[UUID, UUID]] = field(default_factory=list)
    """``(volunteer id, expression id)`` of people at ``submitted`` whose expression this chunk writes."""

    def __post_init__(self) -> None:
        stamps = {"created_at": self.now, "updated_at": self.now}
        self.expressions = TableRows(
            table_of(Expression),
            ("id", "volunteer_id", *EXPRESSION),
            {"status": ExpressionStatus.AWAITING_CONFIRMATION, **stamps},
            sealed=frozenset({"experience", "credentials"}),  # by the worker processes that checked the rows
        )
        self.choices = TableRows(table_of(Choice), ("id", "expression_id", "project_id", "rank", "role"), dict(stamps))
        self.declarations = TableRows(
            table_of(Declaration),
            ("id", "volunteer_id", "kind", "description", "organisation", "created_at"),
            {"state": ReviewState.PENDING, "updated_at": self.now},
            sealed=frozenset({"description", "organisation"}),
        )
        self.declaration_projects = TableRows(declaration_project, ("declaration_id", "project_id"))
        self.tracked = TableRows(
            table_of(ImportedResponse),
            ("id", "source", "respondent_id", "content_hash", "volunteer_id", "declaration_id"),
            dict(stamps),
        )

    def plan(self, row: AcceptedRow, known: Tracked | None) -> None:
        """What one accepted row writes: the person, their expression and choices, any new declaration,
        and the note that the response is imported. A later submission for the call already recorded
        for the address stands instead."""
        person = self.held.people.get(row.clean.email)
        expression = self.held.expressions.get(person.id) if person is not None else None
        if expression is not None and expression[1] > row.at:
            row.result.outcome = Outcome.SUPERSEDED
            row.result.reason = "a later submission for this call is already recorded for this address"
            return
        volunteer_id = self._person(row, person)
        expression_id = self._expression(row, volunteer_id, expression)
        declaration_id = self._declarations(row, volunteer_id)
        self._tracking(row, known, volunteer_id, declaration_id)
        if person is None or person.identity is Identity.SUBMITTED:
            self.confirm.append((volunteer_id, expression_id))

    def _person(self, row: AcceptedRow, person: HeldPerson | None) -> UUID:
        """A new person's record, or the held person's details replaced."""
        clean = row.clean
        if person is None:
            row.result.outcome = Outcome.IMPORTED
            sealed = (clean.name, row.checked.sealed_phone, clean.organisation, clean.job_title, clean.sector)
            return self.people.add(clean.email, (*sealed, clean.hours_per_month))
        row.result.outcome = Outcome.MERGED
        self.people.change(person, details_of(clean))
        return person.id

    def _expression(self, row: AcceptedRow, volunteer_id: UUID, expression: tuple[UUID, dt.datetime] | None) -> UUID:
        """The person's expression for the call, new or replacing the one held, and its choices."""
        clean, checked = row.clean, row.checked
        values = (
            clean.hours_per_month,
            clean.experience,
            clean.credentials,
            clean.no_conflicts,
            self.statement_version,
            row.at,
            row.at,
            bool(checked.late_reason),
            checked.late_reason,
            SOURCE,
            self.call_id,
        )
        if expression is None:
            expression_id = new_id()
            hours, _experience, _credentials, *rest = values
            sealed = (hours, checked.sealed_experience, checked.sealed_credentials, *rest)
            self.expressions.rows.append((expression_id, volunteer_id, *sealed))
        else:
            expression_id = expression[0]
            self.expression_updates.append(
                {"id": expression_id, **dict(zip(EXPRESSION, values, strict=True)), "updated_at": self.now}
            )
            self.replaced_choices_of.append(expression_id)
        self.choices.rows.extend(
            (new_id(), expression_id, project_id, rank, role) for project_id, rank, role in clean.choices
        )
        return expression_id

    def _declarations(self, row: AcceptedRow, volunteer_id: UUID) -> UUID | None:
        """The row's declaration, unless the person already declared these very words; its id if new."""
        declaration_id = None
        for (kind, description, _organisation, project_ids), (sealed_description, sealed_organisation) in zip(
            row.clean.declarations, row.checked.sealed_declarations, strict=True
        ):
            if (volunteer_id, description) in self.held.declared:
                continue
            self.held.declared.add((volunteer_id, description))
            declaration_id = new_id()
            declared = (declaration_id, volunteer_id, kind, sealed_description, sealed_organisation, row.at)
            self.declarations.rows.append(declared)  # dated when the person answered the survey
            self.declaration_projects.rows.extend((declaration_id, p) for p in project_ids)
        return declaration_id

    def _tracking(
        self, row: AcceptedRow, known: Tracked | None, volunteer_id: UUID, declaration_id: UUID | None
    ) -> None:
        """Remember the response (by survey and respondent id, with the row's hash) so a re-import of the
        same row changes nothing; an edited row replaces the pending declaration its last import made."""
        checked = row.checked
        if known is None:
            self.tracked.rows.append(
                (new_id(), self.survey, checked.respondent_id, checked.content_hash, volunteer_id, declaration_id)
            )
            return
        row.result.outcome = Outcome.UPDATED
        if known.declaration_id is not None:
            self.withdrawn_declarations.append(known.declaration_id)
        self.tracked_updates.append(
            {
                "id": known.id,
                "content_hash": checked.content_hash,
                "volunteer_id": volunteer_id,
                "declaration_id": declaration_id,
                "updated_at": self.now,
            }
        )
