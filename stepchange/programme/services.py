"""Programme rules: milestones and the check of the key-activity record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from stepchange.core import audit
from stepchange.core.errors import InvalidInput, NotAllowed, NotFound
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.templating import UK
from stepchange.core.validation import text_problem
from stepchange.programme.models import KeyActivity, Milestone
from stepchange.projects.models import Project
from stepchange.projects.services import ProjectService
from stepchange.workstreams.services import require_runs_workstream


@dataclass(frozen=True)
class DataWarning:
    """Something in the programme's data that looks wrong, reported and left as the source has it."""

    where: str
    message: str


def out_of_order(activities: Sequence[KeyActivity]) -> list[KeyActivity]:
    """The entries that break the record's date order, fewest first.

    Entries are kept in the longest run that reads in order (a date range counts as in order with
    anything it overlaps); whatever falls outside that run is out of order. This flags the one
    misplaced entry, not its innocent neighbours.
    """
    rows = sorted(activities, key=lambda a: a.position)
    best: list[list[KeyActivity]] = []
    for i, row in enumerate(rows):
        chain = [row]
        for j in range(i):
            if rows[j].starts_on <= row.ends_on and len(best[j]) + 1 > len(chain):
                chain = [*best[j], row]
        best.append(chain)
    keep = {id(a) for a in max(best, key=len, default=[])}
    return [a for a in rows if id(a) not in keep]


def key_activity_warnings(activities: Sequence[KeyActivity]) -> list[DataWarning]:
    warnings = []
    for activity in out_of_order(activities):
        warnings.append(
            DataWarning(
                where=f"key activity {activity.position} ({activity.date_text!r})",
                message=f"'{activity.date_text}' is out of date order with the entries around it",
            )
        )
    return warnings


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
        today = today_uk()
        return [MilestoneView(m, code, today) for m, code in rows.all()]

    async def _project(self, code: str) -> Project:
        return await ProjectService(session=self.session).by_code(code)

    async def _may_keep(self, actor: Principal, milestone_project: Project | None, doing: str) -> None:
        """The office keeps the programme's milestones; a project's co-chairs (and the office) keep the project's."""
        if milestone_project is None:
            if actor.role != "coordinator":
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
        return MilestoneView(milestone, project.code if project else None, today_uk())

    async def mark_done(self, actor: Principal, milestone_id: UUID, done_on: dt.date | None = None) -> MilestoneView:
        """Mark a milestone done (today in UK time unless a day is given; never a day still to come)."""
        milestone = await self.get_one_or_none(Milestone.id == milestone_id)
        if milestone is None:
            raise NotFound("milestone", f"id {milestone_id}")
        project = await ProjectService(session=self.session).get_one_or_none(Project.id == milestone.project_id)
        await self._may_keep(actor, project, "mark done")
        today = today_uk()
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


class KeyActivityRepository(SQLAlchemyAsyncRepository[KeyActivity]):
    model_type = KeyActivity


class KeyActivityService(DomainService[KeyActivity, KeyActivityRepository]):
    repository_type = KeyActivityRepository

    async def in_source_order(self) -> Sequence[KeyActivity]:
        return await self.get_many(order_by=[(KeyActivity.position, False)])


def today_uk() -> dt.date:
    return dt.datetime.now(UK).date()
