"""The project lifecycle: which moves are legal and what each status needs (DESIGN.md, "Project lifecycle").

Pure rules with no database: the service gathers the facts and asks :func:`broken_rules`, which names
*every* rule a move breaks, not just the first.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepchange.core.errors import BrokenRule
from stepchange.projects.models import ProjectStatus as S

NEXT: dict[S, frozenset[S]] = {
    S.PIPELINE: frozenset({S.PROVISIONAL, S.WITHDRAWN}),
    S.PROVISIONAL: frozenset({S.RECRUITING, S.PAUSED, S.WITHDRAWN}),
    S.RECRUITING: frozenset({S.STAFFED, S.PAUSED, S.WITHDRAWN}),
    S.STAFFED: frozenset({S.DELIVERING, S.RECRUITING, S.PAUSED, S.WITHDRAWN}),
    S.DELIVERING: frozenset({S.DELIVERED, S.PAUSED, S.WITHDRAWN}),
    S.PAUSED: frozenset({S.PROVISIONAL, S.RECRUITING, S.STAFFED, S.DELIVERING, S.WITHDRAWN}),
    S.DELIVERED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
"""Where a project may go from each status; staying put (a new RAG and narrative only) is always allowed
except from the two ends of the road."""

NEEDS_LEAD = frozenset({S.STAFFED, S.DELIVERING, S.DELIVERED})
NEEDS_ETHICS_CLEARANCE = frozenset({S.DELIVERING, S.DELIVERED})
OPEN_TO_AMENDMENT = frozenset({S.PIPELINE, S.PROVISIONAL, S.RECRUITING, S.STAFFED, S.PAUSED})
"""Title, Action and Vision can be amended until delivery starts; after that the record stays as agreed."""


@dataclass(frozen=True)
class ProjectFacts:
    """What the rules need to know about a project besides its status."""

    lead_accepted: bool
    ethics_cleared: bool


def allowed_moves(current: S) -> list[S]:
    """The statuses a project may move to from ``current`` (in lifecycle order)."""
    return [s for s in S if s in NEXT[current]]


def broken_rules(current: S, target: S, facts: ProjectFacts) -> list[BrokenRule]:
    """Every rule that moving from ``current`` to ``target`` breaks; an empty list means the move is legal."""
    broken = []
    if target != current and target not in NEXT[current]:
        broken.append(
            BrokenRule(
                "illegal_step",
                f"A project cannot move from {current.value} to {target.value}",
                f"Choose one of the moves a {current.value} project can make",
            )
        )
    if target == current and not NEXT[current]:
        broken.append(
            BrokenRule("closed", f"A {current.value} project takes no more updates", "Ask the programme office")
        )
    if target != current and target in NEEDS_LEAD and not facts.lead_accepted:
        broken.append(
            BrokenRule(
                "missing_lead",
                f"A project needs a lead who has accepted before it is {target.value}",
                "Ask the programme office to offer a lead place, and wait until it is accepted",
            )
        )
    if target != current and target in NEEDS_ETHICS_CLEARANCE and not facts.ethics_cleared:
        broken.append(
            BrokenRule(
                "missing_ethics_clearance",
                f"A project needs its commercial-advantage review cleared before it is {target.value}",
                "Ask an ethics reviewer to review the project",
            )
        )
    return broken
