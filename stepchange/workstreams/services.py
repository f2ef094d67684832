"""Reading the work-streams: they are seeded and change rarely."""

from __future__ import annotations

import re
from collections.abc import Sequence

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService

from stepchange.core.errors import NotFound
from stepchange.workstreams.models import Workstream

WORKSTREAM_CODE = re.compile(r"[A-Z]{1,4}")


class WorkstreamRepository(SQLAlchemyAsyncRepository[Workstream]):
    model_type = Workstream


class WorkstreamService(SQLAlchemyAsyncRepositoryService[Workstream, WorkstreamRepository]):
    """Read the work-streams; they are seeded and change rarely."""

    repository_type = WorkstreamRepository

    async def in_order(self) -> Sequence[Workstream]:
        """Every work-stream in the Call to Action's order."""
        return await self.get_many(order_by=[(Workstream.position, False)])

    async def by_code(self, code: str) -> Workstream:
        """The work-stream with this code (any letter case)."""
        code = code.strip().upper()
        found = await self.get_one_or_none(Workstream.code == code) if WORKSTREAM_CODE.fullmatch(code) else None
        if found is None:
            raise NotFound("work-stream", f"code {code!r}")
        return found

    async def codes(self) -> list[str]:
        return [w.code for w in await self.get_many(order_by=[(Workstream.position, False)])]
