"""Milestones: the programme's own dated targets and each project's, and who may keep them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from stepchange.core import audit, clock
from stepchange.core.authz import Role, require_runs_workstream
from stepchange.core.errors import InvalidInput, NotAllowed, NotFound
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import text_problem
from stepchange.projects.models import Milestone, Project
from stepchange.projects.services import ProjectService


@dataclass(frozen=True)
class MilestoneView:
    """A milestone as people read it: done, overdue, or so many days to go (in UK time)."""

    milestone: Milestone
    project_code: str | None
    today: dt.date

    @property
    def overdue(self) -> bool:
        return self.milestone.done_on is None and self.milestone.due_on < self.today

    @property
    def days_to_go(self) -> int | None:
        """Days until it is due (negative once overdue); ``None`` once done."""
        return None if self.milestone.done_on is not None else (self.milestone.due_on - self.today).days


def keeps_programme_milestones(principal: Principal | None) -> bool:
    """The programme's own milestones are the programme office's to keep (a project's, its co-chairs' too)."""
    return principal is not None and principal.role == Role.COORDINATOR


class MilestoneRepository(SQLAlchemyAsyncRepository[Milestone]):
    model_type = Milestone


class MilestoneService(DomainService[Milestone, MilestoneRepository]):
    """The programme's milestones and each project's; the office and a project's co-chairs keep them."""

    repository_type = MilestoneRepository

    async def programme_milestones(self) -> Sequence[Milestone]:
        return await self.get_many(Milestone.project_id.is_(None), order_by=[(Milestone.due_on, False)])

    async def timeline(self, *, project_code: str | None = None) -> list[MilestoneView]:
        """Milestones by due date: the programme's and every project's, or one project's only."""
        query = select(Milestone, Project.code).outerjoin(Project, Milestone.project_id == Project.id)
        if project_code is not None:
            query = query.where(Project.id == (await self._project(project_code)).id)
        rows = await self.session.execute(query.order_by(Milestone.due_on, Milestone.title))
        today = clock.uk_today()
        return [MilestoneView(m, code, today) for m, code in rows.all()]

    async def _project(self, code: str) -> Project:
        return await ProjectService(session=self.session).by_code(code)

    async def _may_keep(self, actor: Principal, milestone_project: Project | None, doing: str) -> None:
        """The office keeps the programme's milestones; a project's co-chairs (and the office) keep the project's."""
        if milestone_project is None:
            if not keeps_programme_milestones(actor):
                raise NotAllowed(f"Only the programme office may {doing} programme milestones")
            return
        require_runs_workstream(actor, milestone_project.workstream_id, f"{doing} this project's milestones")

    async def add(
        self, actor: Principal, *, title: str, due_on: dt.date, project_code: str | None = None
    ) -> MilestoneView:
        project = await self._project(project_code) if project_code else None
        await self._may_keep(actor, project, "add")
        problem = text_problem(title, "title", label="a title", max_length=300)
        if problem is not None:
            raise InvalidInput([problem])
        milestone = Milestone(
            key=f"{project.code.lower() if project else 'programme'}-{uuid4().hex[:12]}",
            title=title.strip(),
            due_on=due_on,
            project_id=project.id if project else None,
        )
        self.session.add(milestone)
        await self.session.flush()
        await audit.record(
            self.session,
            actor,
            "milestone.added",
            subject_type="milestone",
            subject_id=milestone.id,
            summary=f"{project.code if project else 'Programme'}: {milestone.title}",
            changes=audit.diff({}, {"title": milestone.title, "due_on": due_on}),
        )
        return MilestoneView(milestone, project.code if project else None, clock.uk_today())

    async def mark_done(self, actor: Principal, milestone_id: UUID, done_on: dt.date | None = None) -> MilestoneView:
        """Mark a milestone done (today in UK time unless a day is given; never a day still to come)."""
        milestone = await self.get_one_or_none(Milestone.id == milestone_id)
        if milestone is None:
            raise NotFound("milestone", f"id {milestone_id}")
        project = await ProjectService(session=self.session).get_one_or_none(Project.id == milestone.project_id)
        await self._may_keep(actor, project, "mark done")
        today = clock.uk_today()
        day = done_on or today
        if day > today:
            raise InvalidInput.one("done_on", "The day it was done cannot be in the future")
        before = {"done_on": milestone.done_on}
        milestone.done_on = day
        await audit.record(
            self.session,
            actor,
            "milestone.done",
            subject_type="milestone",
            subject_id=milestone.id,
            summary=milestone.title,
            changes=audit.diff(before, {"done_on": day}),
        )
        return MilestoneView(milestone, project.code if project else None, today)
