"""What the project lifecycle needs to know from the domains above projects, asked through a socket.

A project may be staffed only once its lead has accepted (assignments) and enter delivery only once
ethics has cleared it (ethics); both domains build on projects, so projects cannot import them. Who may
propose an amendment (work-stream roster, interest, places) is likewise known only above projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.guards import Principal
from stepchange.core.wiring import Socket


class ProjectFactSource(Protocol):
    async def lead_accepted(self, session: AsyncSession, project_id: UUID) -> bool:
        """The project has a lead who has accepted their place."""
        ...

    async def ethics_cleared(self, session: AsyncSession, project_id: UUID) -> bool:
        """The project's latest commercial-advantage review clears it."""
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
