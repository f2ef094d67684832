"""What the people domain needs from the domains above it (expressions of interest, and their part in a merge of
two records), through sockets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.wiring import Socket


@dataclass(frozen=True)
class ChoiceFact:
    """One project a person chose in a call, as reviewers see it beside a declaration."""

    call: str
    rank: int
    code: str
    title: str
    role: str
    withdrawn: bool


class InterestFactSource(Protocol):
    async def interested_in_workstream(self, session: AsyncSession, volunteer_id: UUID, workstream_id: UUID) -> bool:
        """The person chose at least one of the work-stream's projects (a co-chair may vouch for them)."""
        ...

    async def choices_of(self, session: AsyncSession, volunteer_id: UUID) -> list[ChoiceFact]:
        """The projects the person chose, newest call first, by rank."""
        ...


class MergeStep(Protocol):
    async def before_merge(self, session: AsyncSession, survivor_id: UUID, other_id: UUID) -> None:
        """Two records of one person are about to become one: make the rows of this domain that both records
        hold under one key one row (see ``stepchange.people.merging`` for the clashes left after)."""
        ...


INTEREST_FACTS: Socket[InterestFactSource] = Socket("interest facts")
MERGE_STEPS: Socket[Sequence[MergeStep]] = Socket("the domains' steps before two records of a person are merged")
