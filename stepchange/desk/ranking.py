"""Who chose a project, ranked for the desk, set-based: one query per fact whatever the number of people.

The facts for everyone who chose the project are read as plain columns in a handful of queries (who chose
it and how, the hours their places take, the declarations holding them back, the team and the register's
parts). The rules are then decided once per *kind* of person, not once per person: whether someone may
be offered a place by :func:`~stepchange.assignments.rules.broken_rules` for each mix of identity,
declarations and place held, and how they would change the team's mix by
:func:`~stepchange.desk.balance.change` for each organisation and sector. Only the people on the page asked
for are loaded as records, with their declarations' state and the projects they hold.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole
from stepchange.assignments.rules import Candidate, broken_rules
from stepchange.core.errors import BrokenRule
from stepchange.desk.balance import Mix, MixChange, change, member_of
from stepchange.ethics.conflicts import Blocking, declaration_rules
from stepchange.interest.models import Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.identity import RANK
from stepchange.people.models import Identity, Part, Volunteer
from stepchange.projects.models import Project

SORT_ALL_PAST = 2_000
"""Past this many rows before the page's end, sort everyone instead of keeping the best few in a heap."""


def rank_key(
    mix_change: MixChange | None, rank: int, hours_free: int, identity: Identity, created_at: dt.datetime
) -> tuple[object, ...]:
    """The desk's order: the team's balance (never past the organisation limit, then a part, organisation
    and sector the team lacks), then preference, time, trust, and who offered first."""
    balance = (mix_change.over_share, mix_change.penalty) if mix_change else (False, 0)
    return (*balance, rank, -hours_free, -RANK.get(identity, -1), created_at)


@dataclass(frozen=True)
class Chooser:
    """One person who chose the project, as plain facts (their best choice of it if they chose it twice)."""

    volunteer_id: UUID
    organisation: str
    sector: str
    identity: Identity
    hours_per_month: int
    created_at: dt.datetime
    rank: int
    role: ChoiceRole


@dataclass(frozen=True)
class Ranked:
    """A chooser with what the desk decided: the rules they break, their mix change and their place in order."""

    chooser: Chooser
    hours_free: int
    refused_because: list[str]
    mix_change: MixChange
    on_team: bool
    key: tuple[object, ...]


@dataclass(frozen=True)
class Board:
    """Everyone who chose a project, ranked: those who may be offered a place and those who may not yet."""

    suggested: list[Ranked]
    refused: list[Ranked]


async def choosers(session: AsyncSession, project: Project) -> list[Chooser]:
    """Everyone (not erased, their expression not withdrawn) who chose the project: one query."""
    rows = await session.execute(
        select(
            Volunteer.id,
            Volunteer.organisation,
            Volunteer.sector,
            Volunteer.identity,
            Volunteer.hours_per_month,
            Volunteer.created_at,
            Choice.rank,
            Choice.role,
        )
        .join(Expression, Expression.volunteer_id == Volunteer.id)
        .join(Choice, Choice.expression_id == Expression.id)
        .where(
            Choice.project_id == project.id,
            Expression.status != ExpressionStatus.WITHDRAWN,
            Volunteer.erased_at.is_(None),
        )
    )
    best: dict[UUID, Chooser] = {}
    for row in rows.all():
        found = best.get(row[0])
        if found is None or row[6] < found.rank:
            best[row[0]] = Chooser(*row)
    return list(best.values())


async def hours_taken(session: AsyncSession) -> dict[UUID, int]:
    """The hours a month everyone's offered and accepted places take (one grouped query; bounded by places)."""
    rows = await session.execute(
        select(Assignment.volunteer_id, func.coalesce(func.sum(Assignment.hours), 0))
        .where(Assignment.status.in_(ACTIVE))
        .group_by(Assignment.volunteer_id)
    )
    return {volunteer_id: int(hours or 0) for volunteer_id, hours in rows.all()}


@dataclass
class Ranker:
    """Decides the rules once per kind of person (see the module's docstring) and orders everyone."""

    project: Project
    mix: Mix
    share_limit: int
    parts: dict[str, Part]
    blocking: dict[UUID, list[Blocking]]
    hours: dict[UUID, int]
    team: set[UUID]
    lead_taken: bool

    def __post_init__(self) -> None:
        self._rules: dict[tuple[object, ...], list[str]] = {}
        self._changes: dict[tuple[str, str], MixChange] = {}

    def refused_because(self, person: Chooser) -> list[str]:
        """What :func:`broken_rules` says of this person, asked once per identity, declarations and place."""
        blocking = tuple(sorted((b.state.value, b.names_projects) for b in self.blocking.get(person.volunteer_id, ())))
        on_team = person.volunteer_id in self.team
        kind = (person.identity, blocking, on_team, person.role)
        if kind not in self._rules:
            self._rules[kind] = [r.message for r in self._broken(person, on_team)]
        return self._rules[kind]

    def _broken(self, person: Chooser, on_team: bool) -> list[BrokenRule]:
        conflicts = declaration_rules(self.project.code, self.blocking.get(person.volunteer_id, []))
        stand_in = Volunteer(identity=person.identity)  # the rules read only the identity of the person
        candidate = Candidate(
            stand_in, self.project, AssignmentRole(person.role.value), conflicts, self.lead_taken, on_team
        )
        return [r for r in broken_rules(candidate) if r.rule != "lead_taken"]  # they can still join as a member

    def mix_change(self, person: Chooser) -> MixChange:
        """How they would change the team's mix, worked out once per organisation and sector."""
        kind = (person.organisation, person.sector)
        if kind not in self._changes:
            joining = member_of(person.organisation, person.sector, self.parts)
            self._changes[kind] = change(self.mix, joining, self.share_limit, self.project.wanted_team_size)
        return self._changes[kind]

    def rank(self, person: Chooser) -> Ranked:
        hours_free = person.hours_per_month - self.hours.get(person.volunteer_id, 0)
        mix_change = self.mix_change(person)
        key = rank_key(mix_change, person.rank, hours_free, person.identity, person.created_at)
        refused = self.refused_because(person)
        if not refused:  # a lead is suggested first while the project has none
            key = (self.lead_taken or person.role is not ChoiceRole.LEAD, *key)
        on_team = person.volunteer_id in self.team
        return Ranked(person, hours_free, refused, mix_change, on_team, key)

    def board(self, people: Iterable[Chooser]) -> Board:
        suggested: list[Ranked] = []
        refused: list[Ranked] = []
        for person in people:
            ranked = self.rank(person)
            (refused if ranked.refused_because else suggested).append(ranked)
        return Board(suggested, refused)


def best(rows: Sequence[Ranked], offset: int, limit: int) -> list[Ranked]:
    """The rows from ``offset`` to ``offset + limit`` in the desk's order, without sorting everyone for the
    first pages."""
    end = offset + limit
    if end <= SORT_ALL_PAST:
        return heapq.nsmallest(end, rows, key=lambda r: r.key)[offset:]
    return sorted(rows, key=lambda r: r.key)[offset:end]
