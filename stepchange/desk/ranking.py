"""The desk's order and the rules it asks, per person and per *kind* of person.

:class:`Ranker` decides the rules once per kind, not once per person: whether someone may be offered a
place by :func:`~stepchange.assignments.rules.broken_rules` for each mix of identity, declarations, place
held and role sought, and how they would change the team's mix by :func:`~stepchange.desk.balance.change`
for each organisation and sector. :mod:`stepchange.desk.ordering` hands those answers to the database,
which orders everyone who chose the project; the page's people are then ranked here, one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from stepchange.assignments.models import AssignmentRole
from stepchange.assignments.rules import Candidate, broken_rules
from stepchange.desk.balance import Mix, MixChange, change, member_of
from stepchange.ethics.conflicts import Blocking, declaration_rules
from stepchange.interest.models import ChoiceRole
from stepchange.people.identity import RANK
from stepchange.people.models import Identity, Part, Volunteer
from stepchange.projects.models import Project


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
        on_team = person.volunteer_id in self.team
        return self.refused_kind(person.identity, person.role, on_team, self.blocking.get(person.volunteer_id, []))

    def refused_kind(
        self, identity: Identity, role: ChoiceRole, on_team: bool, blocking: Sequence[Blocking]
    ) -> list[str]:
        """What :func:`broken_rules` says of every person of this kind (asked once per kind)."""
        kind = (identity, tuple(sorted((b.state.value, b.names_projects) for b in blocking)), on_team, role)
        if kind not in self._rules:
            conflicts = declaration_rules(self.project.code, blocking)
            stand_in = Volunteer(identity=identity)  # the rules read only the identity of the person
            candidate = Candidate(
                stand_in, self.project, AssignmentRole(role.value), conflicts, self.lead_taken, on_team
            )
            broken = [r for r in broken_rules(candidate) if r.rule != "lead_taken"]  # they can still join as a member
            self._rules[kind] = [r.message for r in broken]
        return self._rules[kind]

    def mix_change(self, person: Chooser) -> MixChange:
        """How they would change the team's mix, worked out once per organisation and sector."""
        return self.mix_change_of(person.organisation, person.sector)

    def mix_change_of(self, organisation: str, sector: str) -> MixChange:
        """How someone from this organisation and sector would change the team's mix (asked once per kind)."""
        kind = (organisation, sector)
        if kind not in self._changes:
            joining = member_of(organisation, sector, self.parts)
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
