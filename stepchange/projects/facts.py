"""What the project lifecycle needs to know from the domains above projects, asked through a socket.

A project may be staffed only once its lead has accepted (assignments) and enter delivery only once
ethics has cleared it (ethics); both domains build on projects, so projects cannot import them.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.wiring import Socket


class ProjectFactSource(Protocol):
    async def lead_accepted(self, session: AsyncSession, project_id: UUID) -> bool:
        """The project has a lead who has accepted their place."""
        ...

    async def ethics_cleared(self, session: AsyncSession, project_id: UUID) -> bool:
        """The project's latest commercial-advantage review clears it."""
        ...


PROJECT_FACTS: Socket[ProjectFactSource] = Socket("project facts")


class OpenCallSource(Protocol):
    async def call_offering(self, session: AsyncSession, project_id: UUID) -> str | None:
        """The name of the open call in which volunteers can choose the project, if any (its page's start button)."""
        ...


OPEN_CALL_FACTS: Socket[OpenCallSource] = Socket("open call facts")
