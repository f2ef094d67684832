"""What subgroups need to know from the domains above governance, asked through a socket.

A subgroup may link the work-stream's projects and take as members the volunteers holding places on
them; projects and places belong to the projects and assignments domains, which governance cannot import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.wiring import Socket


@dataclass(frozen=True)
class ProjectRef:
    id: UUID
    code: str
    title: str


@dataclass(frozen=True)
class PlacedVolunteer:
    """A volunteer offered or holding a place on one of the work-stream's projects."""

    id: UUID
    name: str
    organisation: str
    projects: tuple[str, ...]


class SubgroupFactSource(Protocol):
    async def projects(self, session: AsyncSession, workstream_id: UUID) -> list[ProjectRef]:
        """The work-stream's projects, in programme order."""
        ...

    async def placed_volunteers(
        self,
        session: AsyncSession,
        workstream_id: UUID,
        only: Sequence[UUID] | None = None,
        *,
        named: str = "",
        leaving_out: Sequence[UUID] = (),
        limit: int | None = None,
    ) -> tuple[list[PlacedVolunteer], int]:
        """Volunteers with an active place on the work-stream's projects (``only`` these, if given; those whose
        name or organisation holds ``named``; not ``leaving_out``), by name: the first ``limit`` and how many."""
        ...


SUBGROUP_FACTS: Socket[SubgroupFactSource] = Socket("subgroup facts")
