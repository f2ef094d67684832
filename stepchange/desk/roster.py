"""A project's team as the desk shows it, at any size: a page of its places, its mix counted by the
database (never every place read to count it), and the whole roster streamed as it is read.

Everyone ever offered a place is listed, oldest offer first; whether each person is cleared for the
project is asked of :func:`~stepchange.ethics.conflicts.declaration_rules` for a page (or a chunk) of
people at a time, in one query each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.core.exports import rows_in_chunks
from stepchange.core.pagination import Window
from stepchange.desk.balance import Mix, classified_parts, member_of
from stepchange.ethics.conflicts import blocking_by_person, declaration_rules
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project

ROSTER_COLUMNS = ("name", "organisation", "role", "status", "hours", "cleared_for_project")


@dataclass(frozen=True)
class TeamMember:
    """A place on the team, and whether its person is cleared for the project (never why not)."""

    assignment: Assignment
    volunteer: Volunteer
    cleared: bool


@dataclass(frozen=True)
class Team:
    """A page of everyone ever offered a place on the project (oldest offer first), how many places there
    are in all, and the mix of those holding one."""

    project: Project
    members: list[TeamMember]
    mix: Mix
    total: int
    window: Window


def places(project_id: UUID) -> Select[*tuple[Any, ...]]:
    """Every place ever offered on the project with its person, oldest offer first (the phone, never shown
    here, is not read, so not decrypted)."""
    return (
        select(Assignment, Volunteer)
        .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
        .where(Assignment.project_id == project_id)
        .order_by(Assignment.created_at, Assignment.id)
        .options(defer(Volunteer.phone, raiseload=True))
    )


async def cleared(session: AsyncSession, project_id: UUID, code: str, rows: Sequence[Any]) -> list[TeamMember]:
    """These places with whether each person is cleared for the project (one query for all of them)."""
    blocking = await blocking_by_person(session, project_id, [person.id for _, person in rows])
    return [
        TeamMember(place, person, not declaration_rules(code, blocking.get(person.id, []))) for place, person in rows
    ]


async def team_mix(session: AsyncSession, project: Project) -> Mix:
    """The mix of the people holding a place, from the database's counts by organisation and sector."""
    counted = await session.execute(
        select(Volunteer.organisation, Volunteer.sector, func.count())
        .join(Assignment, Assignment.volunteer_id == Volunteer.id)
        .where(Assignment.project_id == project.id, Assignment.status.in_(ACTIVE))
        .group_by(Volunteer.organisation, Volunteer.sector)
    )
    parts = await classified_parts(session)
    return Mix.counted((member_of(organisation, sector, parts), n) for organisation, sector, n in counted.all())


async def team_page(session: AsyncSession, project: Project, window: Window) -> Team:
    """A page of the team, how many places it has had, and its mix: four statements whatever its size."""
    total = await session.scalar(select(func.count()).where(Assignment.project_id == project.id))
    rows = (await session.execute(places(project.id).limit(window.limit).offset(window.offset))).all()
    members = await cleared(session, project.id, project.code, rows)
    return Team(project, members, await team_mix(session, project), int(total or 0), window)


async def roster_lines(session: AsyncSession, project_id: UUID, code: str) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The roster's lines (:data:`ROSTER_COLUMNS`) a chunk at a time, from one statement read as it goes
    and one query a chunk for who is cleared (the project by id and code: the request's session that
    found it is closed by the time the download is sent)."""
    async for rows in rows_in_chunks(session, places(project_id)):
        yield [
            (
                m.volunteer.name,
                m.volunteer.organisation,
                m.assignment.role.value,
                m.assignment.status.value,
                m.assignment.hours,
                "yes" if m.cleared else "no",
            )
            for m in await cleared(session, project_id, code, rows)
        ]
