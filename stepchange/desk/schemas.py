"""What the desk's API receives and sends; never a declaration's text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import msgspec

from stepchange.assignments.models import AssignmentRole
from stepchange.assignments.schemas import Override
from stepchange.desk.balance import PART_LABELS

if TYPE_CHECKING:
    from stepchange.desk.roster import Team


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    volunteer_id: UUID
    project: Annotated[str, msgspec.Meta(max_length=8)]
    role: AssignmentRole
    hours: int
    override: Override = ""
    confirm_uncleared: Annotated[
        bool,
        msgspec.Meta(
            description="Offer even though the project's commercial-advantage review has not cleared it yet. "
            "An API call is a deliberate act, so this is true unless sent as false (then such an offer is "
            "refused, 409 project_not_cleared); the pages ask the office to confirm instead."
        ),
    ] = True


class EndIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class ReplaceLeadIn(msgspec.Struct, forbid_unknown_fields=True):
    volunteer_id: UUID
    hours: int
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class RespondIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    accept: bool


class SuggestionOut(msgspec.Struct):
    volunteer_id: UUID
    name: str
    organisation: str
    sector: str
    identity: str
    rank: int
    role_sought: str
    hours_free: int
    conflict_state: str
    projects_held: list[str]
    same_company_as_team: bool
    refused_because: list[str]
    part: str
    """policing, private_sector, government or other_public (the register's, else from the sector)"""
    over_share_limit: bool
    """One more from their organisation would pass STEPCHANGE_TEAM_MAX_SHARE_PERCENT"""
    mix_change: list[str]
    """How they would change the team's mix, in words"""


class SuggestionsOut(msgspec.Struct):
    """A page of each list (the same ``limit`` and ``offset`` for both), best first."""

    project: str
    suggested: list[SuggestionOut]
    cannot_be_assigned: list[SuggestionOut]
    suggested_total: int = 0
    """How many people may be offered a place (all pages)"""
    cannot_be_assigned_total: int = 0
    """How many people may not be offered one yet (all pages)"""
    limit: int = 100
    offset: int = 0


class TeamMemberOut(msgspec.Struct):
    assignment_id: UUID
    name: str
    organisation: str
    role: str
    status: str
    hours: int | None
    cleared_for_project: bool


class MixOut(msgspec.Struct):
    """The mix of the people holding a place: by part of the programme, organisation and sector."""

    size: int
    parts: dict[str, int]
    organisations: dict[str, int]
    sectors: dict[str, int]


class TeamOut(msgspec.Struct):
    """A page of the project's places (the lists' ``{items, total, limit, offset}``, oldest offer first)
    and the mix of everyone holding one (all pages)."""

    project: str
    wanted_team_size: int
    items: list[TeamMemberOut]
    total: int
    limit: int
    offset: int
    mix: MixOut


def team_out(team: Team) -> TeamOut:
    """A project's team as the desk's API, its CSV and its page show it."""
    return TeamOut(
        project=team.project.code,
        wanted_team_size=team.project.wanted_team_size,
        items=[
            TeamMemberOut(
                assignment_id=m.assignment.id,
                name=m.volunteer.name,
                organisation=m.volunteer.organisation,
                role=m.assignment.role.value,
                status=m.assignment.status.value,
                hours=m.assignment.hours,
                cleared_for_project=m.cleared,
            )
            for m in team.members
        ],
        total=team.total,
        limit=team.window.limit,
        offset=team.window.offset,
        mix=MixOut(
            size=team.mix.size,
            parts={part.value: team.mix.parts[part] for part in PART_LABELS},
            organisations={team.mix.names[k]: n for k, n in team.mix.organisations.most_common()},
            sectors=dict(team.mix.sectors.most_common()),
        ),
    )


class GapOut(msgspec.Struct):
    project: str
    title: str
    status: str
    lead_in_place: bool
    team: int
    wanted: int
    missing: int


class DeskOut(msgspec.Struct):
    gaps: list[GapOut]
    awaiting_validation: int
    declarations_awaiting_review: int
    unanswered_offers: int
