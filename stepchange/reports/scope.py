"""What a report covers: the whole programme, or one work-stream's projects (who may see which is
``ReportService.workstream_scope``'s rule)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from stepchange.projects.models import Project
from stepchange.workstreams.models import Workstream


@dataclass(frozen=True)
class Scope:
    """What a report covers: the whole programme, or one work-stream's projects."""

    workstream: Workstream | None = None

    @property
    def name(self) -> str:
        return self.workstream.code if self.workstream else "programme"

    def projects(self) -> ColumnElement[bool]:
        """The condition on ``Project`` for the projects in scope."""
        return Project.workstream_id == self.workstream.id if self.workstream else true()

    def has_project(self, column: InstrumentedAttribute[UUID] | ColumnElement[UUID]) -> ColumnElement[bool]:
        """``column`` (a project id) is one of the projects in scope."""
        if self.workstream is None:
            return true()
        return column.in_(select(Project.id).where(self.projects()))


async def workstreams_in(session: AsyncSession, scope: Scope) -> dict[UUID, str]:
    """The work-streams a report has a row for (id to code), in the Call to Action's order."""
    if scope.workstream is not None:
        return {scope.workstream.id: scope.workstream.code}
    rows = await session.execute(select(Workstream.id, Workstream.code).order_by(Workstream.position))
    return dict(rows.all())


def named(rows: Sequence[Any], workstreams: dict[UUID, str]) -> list[tuple[str, Any, int]]:
    """``(workstream id, category, n)`` rows with the work-stream's code and the category's value."""
    return [(workstreams[ws], getattr(c, "value", c), int(n)) for ws, c, n in rows if ws in workstreams]


async def workstream_names(session: AsyncSession, scope: Scope) -> dict[str, str]:
    """Each work-stream's name by its code (the report's own, or every one), in the Call to Action's order."""
    if scope.workstream is not None:
        return {scope.workstream.code: scope.workstream.name}
    rows = await session.execute(select(Workstream.code, Workstream.name).order_by(Workstream.position))
    return dict(rows.all())
