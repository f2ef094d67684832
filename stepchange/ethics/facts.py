"""What ethics needs to know from the domains above it, asked through a socket.

A reviewer whose organisation has people on a project recuses themselves from reviewing it; who is
placed on a project is recorded by the assignments domain, which builds on ethics.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.wiring import Socket


class TeamFactSource(Protocol):
    async def organisations_placed(self, session: AsyncSession, project_id: UUID) -> list[str]:
        """The organisations of the people offered or holding a place on the project."""
        ...


TEAM_FACTS: Socket[TeamFactSource] = Socket("team facts")
