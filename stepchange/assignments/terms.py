"""What a volunteer agrees to with a place: the mitigation of each managed declaration, the conditions of the
project's ethics clearance, and the offer's own terms (role, hours, the team's co-chairs, when it lapses).

One reading, shown on the volunteer's record, the offer page and the offer e-mail alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment
from stepchange.core.authz import StaffRole
from stepchange.ethics.models import (
    Declaration,
    DeclarationReview,
    ProjectOutcome,
    ReviewState,
    latest_project_review,
)
from stepchange.projects.models import Project


@dataclass(frozen=True)
class Mitigation:
    """How a managed declaration is to be managed, in the reviewer's words."""

    declaration_id: UUID
    kind: str
    projects: list[str]
    mitigation: str


@dataclass(frozen=True)
class OfferTerms:
    """Everything an offer asks the volunteer to agree to."""

    role: str
    hours: int | None
    co_chairs: list[str]
    conditions: str
    mitigations: list[Mitigation] = field(default_factory=list)
    lapses_at: dt.datetime | None = None


async def mitigations(
    session: AsyncSession, volunteer_id: UUID, *, project_ids: Iterable[UUID] | None = None
) -> list[Mitigation]:
    """The mitigation of each of the person's managed declarations (those touching ``project_ids``, if given)."""
    declarations = await session.scalars(
        select(Declaration)
        .where(Declaration.volunteer_id == volunteer_id, Declaration.state == ReviewState.MANAGED)
        .order_by(Declaration.created_at)
    )
    wanted = set(project_ids) if project_ids is not None else None
    found = []
    for declaration in declarations.all():
        if wanted is not None and not wanted.intersection(p.id for p in declaration.projects):
            continue
        review = await session.scalar(
            select(DeclarationReview)
            .where(DeclarationReview.declaration_id == declaration.id)
            .order_by(DeclarationReview.created_at.desc(), DeclarationReview.id.desc())
            .limit(1)
        )
        if review is not None and review.mitigation:
            codes = [p.code for p in declaration.projects]
            found.append(Mitigation(declaration.id, declaration.kind.value, codes, review.mitigation))
    return found


async def ethics_conditions(session: AsyncSession, project_id: UUID) -> str:
    """The conditions the project's clearance carries ("" if cleared without any, or not cleared)."""
    review = await session.scalar(latest_project_review(project_id))
    if review is None or review.outcome is not ProjectOutcome.CLEARED_WITH_CONDITIONS:
        return ""
    return review.conditions


async def co_chairs(session: AsyncSession, workstream_id: UUID) -> list[str]:
    """The names of the work-stream's co-chairs (and deputies) with active accounts."""
    names = await session.scalars(
        select(StaffUser.name)
        .where(StaffUser.role == StaffRole.CO_CHAIR, StaffUser.workstream_id == workstream_id, StaffUser.is_active)
        .order_by(StaffUser.name)
    )
    return list(names.all())


async def offer_terms(
    session: AsyncSession, assignment: Assignment, project: Project, lapses_at: dt.datetime | None
) -> OfferTerms:
    return OfferTerms(
        role=assignment.role.value,
        hours=assignment.hours,
        co_chairs=await co_chairs(session, project.workstream_id),
        conditions=await ethics_conditions(session, project.id),
        mitigations=await mitigations(session, assignment.volunteer_id, project_ids=[project.id]),
        lapses_at=lapses_at,
    )
