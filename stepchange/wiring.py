"""Plug each lower domain's sockets with the higher domains that answer them (see ``core.wiring``).

Called once at start-up by the application factory and the command line, before any request or command.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.facts import STAFF_SEATS
from stepchange.assignments.subgroup_facts import SubgroupFacts
from stepchange.assignments.team import TeamFacts
from stepchange.contributions.merging import TimeLedgerMerge
from stepchange.contributions.participants import Participants
from stepchange.ethics.facts import TEAM_FACTS
from stepchange.ethics.models import latest_project_review, project_cleared
from stepchange.governance.facts import SUBGROUP_FACTS
from stepchange.governance.services.seats import Seats
from stepchange.interest.person_facts import InterestFacts, OpenCallFacts
from stepchange.people.facts import INTEREST_FACTS, MERGE_STEPS
from stepchange.projects.facts import OPEN_CALL_FACTS, PARTICIPANTS, PROJECT_FACTS, StaffFacts


class ProjectFacts:
    """The project lifecycle's facts: the lead from assignments, the clearance from ethics."""

    def __init__(self, team: TeamFacts) -> None:
        self._team = team

    async def lead_accepted(self, session: AsyncSession, project_id: UUID) -> bool:
        return await self._team.lead_accepted(session, project_id)

    async def ethics_cleared(self, session: AsyncSession, project_id: UUID) -> bool:
        return await project_cleared(session, project_id)

    async def staff_facts(self, session: AsyncSession, project_id: UUID) -> StaffFacts:
        review = await session.scalar(latest_project_review(project_id))
        return StaffFacts(
            team=await self._team.places(session, project_id),
            review_outcome=review.outcome.value if review else None,
            conditions=review.conditions if review else "",
            reviewed_at=review.created_at if review else None,
        )


def wire() -> None:
    """Plug every socket (idempotent)."""
    team = TeamFacts()
    PROJECT_FACTS.plug(ProjectFacts(team))
    TEAM_FACTS.plug(team)
    INTEREST_FACTS.plug(InterestFacts())
    MERGE_STEPS.plug([InterestFacts(), TimeLedgerMerge()])
    STAFF_SEATS.plug(Seats())
    PARTICIPANTS.plug(Participants())
    SUBGROUP_FACTS.plug(SubgroupFacts())
    OPEN_CALL_FACTS.plug(OpenCallFacts())
