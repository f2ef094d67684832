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

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, literal, or_, select, true, tuple_
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


@dataclass(frozen=True)
class Position:
    """Where a page of the register starts or ends: a row, named by its person and (unless it is a nil
    return) its declaration. A deep page read from a position is found through the index of the register's
    order, not by counting past every row before it. It names rows by id only: no names in addresses."""

    volunteer_id: UUID
    declaration_id: UUID | None = None

    @classmethod
    def read(cls, text: str | None) -> Position | None:
        """A position as :meth:`__str__` writes it; anything else is no position (the page by its number)."""
        try:
            person, _, declared = (text or "").partition(".")
            return cls(UUID(person), UUID(declared) if declared else None)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.volunteer_id}.{self.declaration_id}" if self.declaration_id else str(self.volunteer_id)

    def beyond(self, *, forwards: bool) -> list[ColumnElement[bool]]:
        """Rows after this one (or, not ``forwards``, before it) in the register's order: a range of the
        person order's index, then, within this one person, their declarations past this one."""
        person = tuple_(Volunteer.search_key, Volunteer.id)
        name = select(Volunteer.search_key).where(Volunteer.id == self.volunteer_id).scalar_subquery()
        here = tuple_(name, literal(self.volunteer_id, Volunteer.id.type))
        if self.declaration_id is None:
            return [person > here if forwards else person < here]
        declared = tuple_(Declaration.created_at, Declaration.id)
        when = select(Declaration.created_at).where(Declaration.id == self.declaration_id).scalar_subquery()
        mine = tuple_(when, literal(self.declaration_id, Declaration.id.type))
        return [
            person >= here if forwards else person <= here,
            or_(Volunteer.id != self.volunteer_id, declared > mine if forwards else declared < mine),
        ]


ORDER = (Volunteer.search_key, Volunteer.id, Declaration.created_at, Declaration.id)
"""The register's order: by name (the folded search key), person, then when declared."""


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


def _in_order(
    statement: Select[*tuple[Any, ...]], narrowed: RegisterFilter, start: Position | None, forwards: bool
) -> Select[*tuple[Any, ...]]:
    """``statement`` over the register's people and declarations, narrowed, from a position, in order."""
    return (
        statement.select_from(Volunteer)
        .outerjoin(Declaration, Declaration.volunteer_id == Volunteer.id)
        .where(*narrowed.conditions(), *(start.beyond(forwards=forwards) if start else ()))
        .order_by(*(ORDER if forwards else (column.desc() for column in ORDER)))
    )


def register_query(
    narrowed: RegisterFilter, start: Position | None = None, *, forwards: bool = True
) -> Select[*tuple[Any, ...]]:
    """The register's rows in order (name, then person, then when declared): one statement; from a
    position, the rows after it (or, not ``forwards``, those before it, in reverse order)."""
    review = aliased(DeclarationReview)
    columns = select(
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
        Declaration.id,
    )
    return _in_order(columns, narrowed, start, forwards).outerjoin(review, review.id == _latest_review_id())


def positions_query(narrowed: RegisterFilter, *, forwards: bool = True) -> Select[*tuple[Any, ...]]:
    """The register's rows' positions alone, in order: skipping rows by offset reads only the index of the
    order and the joins that decide which rows there are, not each skipped row's text and review."""
    return _in_order(select(Volunteer.id, Declaration.id), narrowed, None, forwards)


def register_row(row: Any) -> RegisterRow:
    """A row of :func:`register_query` as a line of the register (a nil return has no declaration)."""
    (person, name, organisation, registered, declared_at, kind, declared_organisation, description, codes, state) = row[
        :10
    ]
    reason, mitigation, reviewer, reviewed_at = row[10:14]
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


def position_of(row: Any) -> Position:
    """The position of a row of :func:`register_query`."""
    return Position(row[0], row[14])


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
