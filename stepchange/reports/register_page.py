"""The register of interests a page at a time: declarations and nil returns together, in the people's name
order, found by name or organisation and by kind, counted and paged by the database (the whole register
at 100,000 people is tens of megabytes: only its downloads carry all of it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, exists, false, func, literal, select, true, union_all

from stepchange.ethics.models import ConflictKind, Declaration
from stepchange.ethics.services import ConflictService, DeclarationView
from stepchange.interest.models import Expression
from stepchange.people.models import Volunteer, folded
from stepchange.reports.register import RegisterRow, _nil_return, _register_row

NOTHING = "nothing_to_declare"
KINDS = (*[k.value for k in ConflictKind], NOTHING)


async def register_page(
    conflicts: ConflictService, *, words: str | None, kind: str | None, limit: int, offset: int
) -> tuple[list[RegisterRow], int]:
    """One page of the register and how many rows it has in all, for these filters."""
    person: list[ColumnElement[bool]] = []
    if words and (key := folded(words)):
        person.append(Volunteer.search_key.contains(key, autoescape=True))
    declared = (
        select(
            Declaration.id.label("row_id"),
            Volunteer.search_key.label("name_key"),
            Declaration.created_at.label("at"),
            literal(1).label("declared"),
        )
        .join(Volunteer, Volunteer.id == Declaration.volunteer_id)
        .where(*person, _kind_of_declaration(kind))
    )
    nil = select(
        Volunteer.id.label("row_id"),
        Volunteer.search_key.label("name_key"),
        Volunteer.created_at.label("at"),
        literal(0).label("declared"),
    ).where(
        *person,
        exists().where(Expression.volunteer_id == Volunteer.id, Expression.no_conflicts.is_(True)),
        ~exists().where(Declaration.volunteer_id == Volunteer.id),
        true() if not kind or kind == NOTHING else false(),
    )
    rows = union_all(declared, nil).subquery()
    total = int(await conflicts.session.scalar(select(func.count()).select_from(rows)) or 0)
    page = (
        await conflicts.session.execute(
            select(rows.c.row_id, rows.c.declared)
            .order_by(rows.c.name_key, rows.c.at, rows.c.row_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return await _rows(conflicts, page), total


async def _rows(conflicts: ConflictService, page: Sequence[Any]) -> list[RegisterRow]:
    """The page's rows in full, in the page's order."""
    declaration_ids = [row_id for row_id, declared in page if declared]
    person_ids = [row_id for row_id, declared in page if not declared]
    found = await conflicts.session.execute(
        select(Declaration, Volunteer)
        .join(Volunteer, Volunteer.id == Declaration.volunteer_id)
        .where(Declaration.id.in_(declaration_ids))
    )
    views = {d.id: DeclarationView(d, v) for d, v in found.all()}
    latest = await conflicts._latest_reviews(list(views))
    for view in views.values():
        view.latest = latest.get(view.declaration.id)
    people = {
        p.id: p for p in (await conflicts.session.scalars(select(Volunteer).where(Volunteer.id.in_(person_ids)))).all()
    }
    by_id: dict[str, RegisterRow] = {str(k): _register_row(v) for k, v in views.items()}
    by_id |= {str(k): _nil_return(p) for k, p in people.items()}
    return [by_id[str(_uuid(row_id))] for row_id, _ in page if str(_uuid(row_id)) in by_id]


def _kind_of_declaration(kind: str | None) -> ColumnElement[bool]:
    if kind == NOTHING:
        return false()
    if kind in KINDS:
        return Declaration.kind == ConflictKind(kind)
    return true()


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
