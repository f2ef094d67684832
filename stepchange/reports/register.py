"""The confidential register of interests: every declaration with its outcome, and every explicit nil
return (people who confirmed they have nothing to declare when they expressed interest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import exists, select

from stepchange.ethics.models import Declaration
from stepchange.ethics.services import ConflictService, DeclarationView
from stepchange.interest.models import Expression
from stepchange.people.models import Volunteer


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


def _register_row(view: DeclarationView) -> RegisterRow:
    declaration, latest = view.declaration, view.latest
    return RegisterRow(
        volunteer_id=view.volunteer.id,
        volunteer=view.volunteer.name,
        volunteer_organisation=view.volunteer.organisation,
        declared_at=declaration.created_at,
        kind=declaration.kind.value,
        declared_organisation=declaration.organisation,
        description=declaration.description,
        projects=", ".join(view.codes),
        state=declaration.state.value,
        reason=latest.reason if latest else "",
        mitigation=latest.mitigation if latest else "",
        reviewed_by=latest.reviewer if latest else "",
        reviewed_at=latest.created_at if latest else None,
    )


def _nil_return(person: Volunteer) -> RegisterRow:
    return RegisterRow(
        volunteer_id=person.id,
        volunteer=person.name,
        volunteer_organisation=person.organisation,
        declared_at=person.created_at,
        kind="nothing_to_declare",
        declared_organisation="",
        description="",
        projects="",
        state="",
        reason="",
        mitigation="",
        reviewed_by="",
        reviewed_at=None,
    )


async def register_of_interests(conflicts: ConflictService) -> list[RegisterRow]:
    """Every declaration with its outcome, and everyone who said they have nothing to declare."""
    views, _ = await conflicts.queue(state=None, volunteer_id=None, limit=1_000_000, offset=0)
    rows = [_register_row(v) for v in views]
    nil_returns = await conflicts.session.scalars(
        select(Volunteer)
        .where(
            exists().where(Expression.volunteer_id == Volunteer.id, Expression.no_conflicts.is_(True)),
            ~exists().where(Declaration.volunteer_id == Volunteer.id),
        )
        .order_by(Volunteer.created_at)
    )
    rows += [_nil_return(person) for person in nil_returns.all()]
    return sorted(rows, key=lambda r: (r.volunteer.casefold(), r.declared_at))
