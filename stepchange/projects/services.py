"""Project rules and queries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, Select, select

from stepchange.core.errors import InvalidInput, NotFound
from stepchange.projects.models import Project, ProjectStatus
from stepchange.workstreams.models import Workstream
from stepchange.workstreams.services import WORKSTREAM_CODE

PROJECT_CODE = re.compile(r"[A-Z]{1,4}[0-9]{1,3}")


class ProjectRepository(SQLAlchemyAsyncRepository[Project]):
    model_type = Project


class ProjectService(SQLAlchemyAsyncRepositoryService[Project, ProjectRepository]):
    """The programme's projects."""

    repository_type = ProjectRepository

    async def by_code(self, code: str) -> Project:
        """The project with this code (any letter case)."""
        code = code.strip().upper()
        found = await self.get_one_or_none(Project.code == code) if PROJECT_CODE.fullmatch(code) else None
        if found is None:
            raise NotFound("project", f"code {code!r}")
        return found

    async def search(
        self,
        *,
        workstream: str | None = None,
        status: ProjectStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[Sequence[Project], int]:
        """Projects in work-stream then number order, optionally of one work-stream and one status.

        An unknown work-stream code is the caller's mistake, named as the ``workstream`` parameter.
        """
        filters: list[ColumnElement[bool]] = []
        if workstream is not None:
            code = workstream.strip().upper()
            workstream_id = (
                await self.repository.session.scalar(select(Workstream.id).where(Workstream.code == code))
                if WORKSTREAM_CODE.fullmatch(code)
                else None
            )
            if workstream_id is None:
                raise InvalidInput.one("workstream", f"There is no work-stream with code {workstream!r}")
            filters.append(Project.workstream_id == workstream_id)
        if status is not None:
            filters.append(Project.status == status)
        return await self.get_many_and_count(
            *filters,
            LimitOffset(limit=limit, offset=offset),
            order_by=[(Workstream.position, False), (Project.number, False)],
            statement=cast(
                "Select[tuple[Project]]",
                select(Project).join(Workstream, Project.workstream_id == Workstream.id),
            ),
        )
