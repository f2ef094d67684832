"""The confidential register of interests: every declaration with its outcome, and every explicit nil
return (people who confirmed they have nothing to declare when they expressed interest).

One set-based statement reads it, whatever its size: people in name order (through the folded search
key and ``ix_volunteer_search_key_id``), each joined to their declarations, the latest review of each
and the codes of the projects it names. A page takes a slice of it; a download streams all of it in
chunks. Only the register's own columns are read (never a person's encrypted phone number), so only
the declaration's and review's text are decrypted, and no bind parameter grows with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import aliased

from stepchange.ethics.models import ConflictKind, Declaration, DeclarationReview, declaration_project
from stepchange.interest.models import Expression
from stepchange.people.models import Volunteer, folded
from stepchange.projects.models import Project

NOTHING = "nothing_to_declare"
KINDS = (*[k.value for k in ConflictKind], NOTHING)
"""The kinds the register can be narrowed to: a declaration's, or a nil return."""


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register of interests: a declaration and its outcome, or an explicit nil return."""

    volunteer_id: UUID
    volunteer: str
    volunteer_organisation: str
    declared_at: dt.datetime
    kind: str
    declared_organisation: str
    description: str
    projects: str
    state: str
    reason: str
    mitigation: str
    reviewed_by: str
    reviewed_at: dt.datetime | None


REGISTER_COLUMNS = tuple(RegisterRow.__dataclass_fields__)


@dataclass(frozen=True)
class RegisterFilter:
    """Who and what the register is narrowed to: words in a person's name or organisation, and a kind."""

    words: str | None = None
    kind: str | None = None

    def person(self) -> list[ColumnElement[bool]]:
        """The people narrowed to (by name or organisation, through the folded search key)."""
        if self.words and (key := folded(self.words)):
            return [Volunteer.search_key.contains(key, autoescape=True)]
        return []

    def declared(self) -> ColumnElement[bool]:
        """The declarations narrowed to (of a volunteer row joined to one)."""
        if self.kind == NOTHING:
            return false()
        if self.kind in KINDS:
            return Declaration.kind == ConflictKind(self.kind)
        return true()

    @property
    def nil_returns(self) -> bool:
        return not self.kind or self.kind == NOTHING

    def conditions(self) -> list[ColumnElement[bool]]:
        """A person's row with a declaration of the kind, or without any declaration as a nil return: no
        declaration, and "nothing to declare" said with an expression of interest."""
        # A scalar subquery probed per person (through ix_expression_nil_return), not an EXISTS: under the
        # OR, PostgreSQL would hash every nil return up front to answer it, for any page.
        nil = (
            select(Expression.volunteer_id)
            .where(Expression.volunteer_id == Volunteer.id, Expression.no_conflicts.is_(True))
            .limit(1)
            .correlate(Volunteer)
            .scalar_subquery()
            .is_not(None)
        )
        return [
            *self.person(),
            or_(
                and_(Declaration.id.is_not(None), self.declared()),
                and_(Declaration.id.is_(None), nil if self.nil_returns else false()),
            ),
        ]


def _latest_review_id() -> Any:
    """The review that counts for the declaration of the outer row: its latest."""
    return (
        select(DeclarationReview.id)
        .where(DeclarationReview.declaration_id == Declaration.id)
        .order_by(DeclarationReview.created_at.desc(), DeclarationReview.id.desc())
        .limit(1)
        .correlate(Declaration)
        .scalar_subquery()
    )


def _project_codes() -> Any:
    """The codes of the projects the outer row's declaration names, in code order, comma-separated."""
    codes = (
        select(Project.code)
        .join(declaration_project, declaration_project.c.project_id == Project.id)
        .where(declaration_project.c.declaration_id == Declaration.id)
        .order_by(Project.code)
        .correlate(Declaration)
        .subquery()
    )
    return select(func.aggregate_strings(codes.c.code, ", ")).scalar_subquery()


def register_query(narrowed: RegisterFilter) -> Select[Any]:
    """The register's rows in order (name, then person, then when declared): one statement."""
    review = aliased(DeclarationReview)
    return (
        select(
            Volunteer.id,
            Volunteer.name,
            Volunteer.organisation,
            Volunteer.created_at,
            Declaration.created_at,
            Declaration.kind,
            Declaration.organisation,
            Declaration.description,
            _project_codes(),
            Declaration.state,
            review.reason,
            review.mitigation,
            review.reviewer,
            review.created_at,
        )
        .select_from(Volunteer)
        .outerjoin(Declaration, Declaration.volunteer_id == Volunteer.id)
        .outerjoin(review, review.id == _latest_review_id())
        .where(*narrowed.conditions())
        .order_by(Volunteer.search_key, Volunteer.id, Declaration.created_at, Declaration.id)
    )


def register_row(row: Any) -> RegisterRow:
    """A row of :func:`register_query` as a line of the register (a nil return has no declaration)."""
    (person, name, organisation, registered, declared_at, kind, declared_organisation, description, codes, state) = row[
        :10
    ]
    reason, mitigation, reviewer, reviewed_at = row[10:]
    return RegisterRow(
        volunteer_id=person,
        volunteer=name,
        volunteer_organisation=organisation,
        declared_at=declared_at or registered,
        kind=kind.value if kind is not None else NOTHING,
        declared_organisation=declared_organisation or "",
        description=description or "",
        projects=codes or "",
        state=state.value if state is not None else "",
        reason=reason or "",
        mitigation=mitigation or "",
        reviewed_by=reviewer or "",
        reviewed_at=reviewed_at,
    )


def register_count(narrowed: RegisterFilter) -> Select[tuple[int]]:
    """How many rows the register has for these filters: its declarations plus its nil returns, each
    counted from an index (the nil returns through ``ix_expression_nil_return``), people's rows read
    only to find words in their names."""
    declared = select(func.count(Declaration.id)).where(narrowed.declared())
    nil = select(func.count(func.distinct(Expression.volunteer_id))).where(
        Expression.no_conflicts.is_(True),
        ~exists().where(Declaration.volunteer_id == Expression.volunteer_id),
        true() if narrowed.nil_returns else false(),
    )
    if person := narrowed.person():
        declared = declared.join(Volunteer, Volunteer.id == Declaration.volunteer_id).where(*person)
        nil = nil.join(Volunteer, Volunteer.id == Expression.volunteer_id).where(*person)
    return select(declared.scalar_subquery() + nil.scalar_subquery())
