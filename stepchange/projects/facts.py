"""What the project lifecycle needs to know from the domains above projects, asked through a socket.

A project may be staffed only once its lead has accepted (assignments) and enter delivery only once
ethics has cleared it (ethics); both domains build on projects, so projects cannot import them. Who may
propose an amendment (work-stream roster, interest, places) is likewise known only above projects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.guards import Principal
from stepchange.core.wiring import Socket


@dataclass(frozen=True)
class TeamPlace:
    """One offered or accepted place on a project's team, as staff see it on the project's page."""

    name: str
    organisation: str
    role: str
    status: str
    hours: int | None


@dataclass(frozen=True)
class StaffFacts:
    """What staff see of a project beyond its public page: its team and its ethics clearance."""

    team: list[TeamPlace] = field(default_factory=list)
    review_outcome: str | None = None
    """The latest commercial-advantage review's outcome (``cleared``, ``cleared_with_conditions``,
    ``blocked``), or ``None`` when the project has not been reviewed."""
    conditions: str = ""
    reviewed_at: dt.datetime | None = None

    @property
    def cleared(self) -> bool:
        return self.review_outcome in ("cleared", "cleared_with_conditions")


class ProjectFactSource(Protocol):
    async def lead_accepted(self, session: AsyncSession, project_id: UUID) -> bool:
        """The project has a lead who has accepted their place."""
        ...

    async def ethics_cleared(self, session: AsyncSession, project_id: UUID) -> bool:
        """The project's latest commercial-advantage review clears it."""
        ...

    async def staff_facts(self, session: AsyncSession, project_id: UUID) -> StaffFacts:
        """The project's team (offered and accepted places) and its latest ethics review."""
        ...


PROJECT_FACTS: Socket[ProjectFactSource] = Socket("project facts")


@dataclass(frozen=True)
class Participant:
    """Someone taking part in a project, as a proposal names them and the decision reaches them."""

    name: str
    email: str
    staff_id: UUID | None = None
    volunteer_id: UUID | None = None


class ParticipantSource(Protocol):
    async def participant(
        self, session: AsyncSession, principal: Principal, project_id: UUID, workstream_id: UUID
    ) -> Participant | None:
        """The signed-in person, if they take part in the project: the office, the work-stream's co-chairs
        and roster members, and volunteers who expressed interest in the project or hold a place on it."""
        ...


PARTICIPANTS: Socket[ParticipantSource] = Socket("project participants")


class OpenCallSource(Protocol):
    async def call_offering(self, session: AsyncSession, project_id: UUID) -> str | None:
        """The name of the open call in which volunteers can choose the project, if any (its page's start button)."""
        ...


OPEN_CALL_FACTS: Socket[OpenCallSource] = Socket("open call facts")
