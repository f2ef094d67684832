"""The conflict rules every offer of a place obeys: what a person's declarations allow on a project.

A pending declaration touching a project (naming it, or naming no project yet) holds a place back until
ethics has reviewed it; an excluded one forbids it. :func:`declaration_rules` is pure; the functions
below read the facts. Assignments, the desk and co-chairs' clearance views all ask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.errors import BrokenRule
from stepchange.ethics.models import Declaration, ReviewState
from stepchange.projects.models import Project

DECLARATION_RULES = frozenset({"declaration_pending", "declaration_excluded"})
"""The rules a person's declarations impose: "cleared for this project" means none of them is broken."""


@dataclass(frozen=True)
class Blocking:
    """A declaration of the person's that touches the project (names it, or names no project yet)."""

    state: ReviewState
    names_projects: bool


def declaration_rules(code: str, blocking: Sequence[Blocking]) -> list[BrokenRule]:
    """Pending declarations touching the project hold an assignment back; excluded ones forbid it."""
    broken: dict[str, BrokenRule] = {}
    for found in blocking:
        if found.state is ReviewState.PENDING:
            where = f"touching {code}" if found.names_projects else "naming no projects yet"
            broken.setdefault(
                "declaration_pending",
                BrokenRule(
                    "declaration_pending",
                    f"A declaration of interest {where} is waiting for ethics review",
                    "Wait for an ethics reviewer to review it, then try again",
                ),
            )
        elif found.state is ReviewState.EXCLUDED:
            broken.setdefault(
                "declaration_excluded",
                BrokenRule(
                    "declaration_excluded",
                    f"An ethics review excluded this person from {code}",
                    "Choose someone else for this project",
                ),
            )
    return list(broken.values())


def _touching(project_id: UUID) -> ColumnElement[bool]:
    """A declaration touches a project when it names it, or names no project yet."""
    return or_(Declaration.projects.any(Project.id == project_id), ~Declaration.projects.any())


HELD_BACK = (
    Blocking(ReviewState.PENDING, names_projects=True),
    Blocking(ReviewState.PENDING, names_projects=False),
    Blocking(ReviewState.EXCLUDED, names_projects=True),
)
"""The kinds of declaration that can hold a person back, in the order :func:`held_back` asks of each."""


def held_back(project_id: UUID) -> Subquery:
    """Which of :data:`HELD_BACK` each person has touching the project, as bits (the first kind the highest):
    one row (``volunteer_id``, ``held``) for each person with a pending or excluded declaration, for a query
    to join (people without one are held back by nothing). Set-based, like :func:`blocking_by_person`, for
    ordering in the database: asked person by person, it was 55,000 look-ups for the desk's busiest project
    (issue 28). An excluded declaration is one kind whether or not it names projects, as
    :func:`declaration_rules` says the same of both."""
    kinds = (
        and_(Declaration.state == ReviewState.PENDING, Declaration.projects.any(Project.id == project_id)),
        and_(Declaration.state == ReviewState.PENDING, ~Declaration.projects.any()),
        and_(Declaration.state == ReviewState.EXCLUDED, _touching(project_id)),
    )
    bits = [func.max(case((kind, 1 << (len(kinds) - 1 - i)), else_=0)) for i, kind in enumerate(kinds)]
    return (
        select(Declaration.volunteer_id.label("volunteer_id"), sum(bits[1:], bits[0]).label("held"))
        .where(Declaration.state.in_((ReviewState.PENDING, ReviewState.EXCLUDED)))
        .group_by(Declaration.volunteer_id)
        .subquery("held_back")
    )


async def blocking_declarations(session: AsyncSession, volunteer_id: UUID, project_id: UUID) -> list[Blocking]:
    """The person's pending or excluded declarations that touch the project."""
    touching = _touching(project_id)
    rows = await session.execute(
        select(Declaration.state, Declaration.projects.any()).where(
            Declaration.volunteer_id == volunteer_id,
            Declaration.state.in_((ReviewState.PENDING, ReviewState.EXCLUDED)),
            touching,
        )
    )
    return [Blocking(state, bool(named)) for state, named in rows.all()]


async def conflict_rules(session: AsyncSession, volunteer_id: UUID, project: Project) -> list[BrokenRule]:
    """The conflict rules a place for this person on this project would break (empty: cleared)."""
    return declaration_rules(project.code, await blocking_declarations(session, volunteer_id, project.id))


async def cleared_for(session: AsyncSession, volunteer_id: UUID, project: Project) -> bool:
    """No declaration of the person's holds them back from this project (all a co-chair may know)."""
    return not await conflict_rules(session, volunteer_id, project)


async def blocking_by_person(
    session: AsyncSession, project_id: UUID, people: Sequence[UUID] | None = None
) -> dict[UUID, list[Blocking]]:
    """Everyone's (or only these ``people``'s: a page of them) pending or excluded declarations that touch
    the project, in one query: the set-based :func:`blocking_declarations`, for the desk's lists (nobody
    listed is cleared for the project)."""
    query = select(Declaration.volunteer_id, Declaration.state, Declaration.projects.any()).where(
        Declaration.state.in_((ReviewState.PENDING, ReviewState.EXCLUDED)), _touching(project_id)
    )
    if people is not None:
        query = query.where(Declaration.volunteer_id.in_(people))
    rows = await session.execute(query)
    found: dict[UUID, list[Blocking]] = {}
    for volunteer_id, state, named in rows.all():
        found.setdefault(volunteer_id, []).append(Blocking(state, bool(named)))
    return found
