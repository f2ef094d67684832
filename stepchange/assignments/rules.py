"""The rules of a place on a project, as pure functions of the facts.

Two kinds: whether this *person* may be offered this place (:func:`broken_rules`: validated, their
declarations, one lead, the project open, not already placed) and whether the *team* can take them on
these terms (:func:`team_rules`: the hours they offered, the size of the team). Every door that offers a
place reaches both through :meth:`stepchange.assignments.services.AssignmentService.offer`; the desk's
suggestions and the eligibility check ask only the first, without refusing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.errors import BrokenRule, InvalidInput
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project, ProjectStatus

NOT_OPEN = frozenset({ProjectStatus.PIPELINE, ProjectStatus.DELIVERED, ProjectStatus.WITHDRAWN})
"""People can be assigned from provisional on, until the project is delivered or withdrawn."""

LAPSE_AFTER = dt.timedelta(days=14)
"""An offer nobody answers lapses this long after it was made (the reminders' daily run lapses it)."""
LAPSED = "the offer lapsed: no answer within 14 days"

FEWEST_HOURS, MOST_HOURS = 1, 160
"""The hours a month a place may take, when they are agreed."""


@dataclass(frozen=True)
class Candidate:
    """Everything the eligibility rules look at for one person, project and role."""

    volunteer: Volunteer
    project: Project
    role: AssignmentRole
    conflicts: Sequence[BrokenRule]
    """The conflict rules the person's declarations break for this project (:mod:`stepchange.ethics.conflicts`)."""
    lead_taken: bool
    already_assigned: bool


@dataclass(frozen=True)
class Terms:
    """What the office offers: a role, the hours a month if agreed, and the reason for going past the
    hours the person offered (empty: no override)."""

    role: AssignmentRole
    hours: int | None = None
    override: str = ""

    @property
    def overridden(self) -> bool:
        return bool(self.override.strip())


@dataclass(frozen=True)
class TeamLoad:
    """What the team rules look at: the person's hours and the project's team."""

    hours_offered: int
    hours_taken: int
    team: int
    wanted: int
    same_organisation: int = 0
    """People holding a place on the team from the person's organisation (as matching compares names)."""
    organisation: str = ""
    share_limit: int = 100
    """``STEPCHANGE_TEAM_MAX_SHARE_PERCENT``: the most of a team one organisation may make up, unless overridden."""


def check_hours(hours: int | None) -> None:
    """Agreed hours must be a plausible month's work (no hours: not agreed yet)."""
    if hours is not None and not FEWEST_HOURS <= hours <= MOST_HOURS:
        message = f"Enter the hours a month this place takes, from {FEWEST_HOURS} to {MOST_HOURS}"
        raise InvalidInput.one("hours", message)


def broken_rules(candidate: Candidate) -> list[BrokenRule]:
    """Every rule offering this person this place breaks; an empty list means they may be offered it."""
    person, project = candidate.volunteer, candidate.project
    broken = []
    if person.identity is not Identity.VALIDATED:
        broken.append(
            BrokenRule(
                "not_validated",
                f"Only validated people can be assigned; this person is {person.identity.value.replace('_', ' ')}",
                "Check their identity and validate them on their person page first",
            )
        )
    broken += candidate.conflicts
    if candidate.role is AssignmentRole.LEAD and candidate.lead_taken:
        broken.append(
            BrokenRule(
                "lead_taken",
                f"{project.code} already has an offered or accepted lead",
                "Offer a team member place instead, or end the lead's place first",
            )
        )
    if project.status in NOT_OPEN:
        broken.append(
            BrokenRule(
                "project_not_open",
                f"{project.code} is {project.status.value}: people are assigned from provisional until delivery ends",
                "Choose a project that is open to people",
            )
        )
    if candidate.already_assigned:
        broken.append(
            BrokenRule(
                "already_assigned",
                f"This person already has an offered or accepted place on {project.code}",
                "Choose someone else",
            )
        )
    return broken


UNCLEARED = "project_not_cleared"
"""The rule an offer on a project not yet ethics-cleared breaks until the office confirms it."""


def clearance_rule(project: Project, cleared: bool, confirmed: bool) -> list[BrokenRule]:
    """A place on a project whose commercial-advantage review has not cleared it is offered only when the
    office confirms it knowingly (the team may have to change if the review asks)."""
    if cleared or confirmed:
        return []
    return [
        BrokenRule(
            UNCLEARED,
            f"{project.code} has not been cleared by its commercial-advantage review yet",
            "Confirm that you want to offer the place before it is cleared, or wait for the ethics review",
        )
    ]


def organisation_share(same_organisation: int, team: int, wanted: int) -> int:
    """One organisation's share of the team (a percentage) once one more of its people joins.

    The team is counted at the size the project wants until it grows past it: a team is built one offer
    at a time, and its first two people sharing an organisation is no imbalance in a team of five."""
    return round(100 * (same_organisation + 1) / max(team + 1, wanted, 1))


def over_share_limit(same_organisation: int, team: int, wanted: int, limit: int) -> bool:
    """The organisation-share rule: over the limit once an organisation would have two people or more."""
    return same_organisation >= 1 and organisation_share(same_organisation, team, wanted) > limit


def team_rules(code: str, terms: Terms, load: TeamLoad) -> list[BrokenRule]:
    """The hours ceiling and one organisation's share of the team (each unless a coordinator overrides it
    with a reason), and the team's size, the lead counted within it."""
    broken = []
    if terms.hours is not None and load.hours_taken + terms.hours > load.hours_offered and not terms.overridden:
        broken.append(
            BrokenRule(
                "hours_exceeded",
                f"This person offered {load.hours_offered} hours a month and already has {load.hours_taken}; "
                f"another {terms.hours} needs a coordinator's override with a reason",
                "Agree fewer hours, or give the reason for going past them",
            )
        )
    share = organisation_share(load.same_organisation, load.team, load.wanted)
    if over_share_limit(load.same_organisation, load.team, load.wanted, load.share_limit) and not terms.overridden:
        size = max(load.team + 1, load.wanted)
        broken.append(
            BrokenRule(
                "organisation_share",
                f"{load.same_organisation + 1} of the {size} people {code} wants would be from {load.organisation} "
                f"({share}%), over the {load.share_limit}% limit; it needs a coordinator's override with a reason",
            )
        )
    if load.team >= load.wanted:
        broken.append(
            BrokenRule(
                "team_full",
                f"{code} already has the {load.wanted} people it wants",
                "End a place first, or raise the team size the project wants",
            )
        )
    return broken


def lapse(assignment: Assignment, now: dt.datetime) -> bool:
    """Whether an offer has lapsed: still unanswered ``LAPSE_AFTER`` after it was made."""
    return assignment.status is AssignmentStatus.OFFERED and assignment.created_at + LAPSE_AFTER <= now
