"""Project rules: the lifecycle with its dated updates, amendments with versions, and pipeline projects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, Select, func, select, update

from stepchange.core import audit
from stepchange.core.authz import Role, require_runs_workstream
from stepchange.core.errors import (
    BrokenRule,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    RuleViolation,
    StaleVersion,
)
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import text_problem
from stepchange.projects import cache as project_cache
from stepchange.projects.facts import PROJECT_FACTS
from stepchange.projects.lifecycle import OPEN_TO_AMENDMENT, ProjectFacts, allowed_moves, broken_rules
from stepchange.projects.models import Project, ProjectStatus, ProjectVersion, Rag, StatusUpdate
from stepchange.workstreams.models import Workstream
from stepchange.workstreams.services import WORKSTREAM_CODE, WorkstreamService

PROJECT_CODE = re.compile(r"[A-Z]{1,4}[0-9]{1,3}")
MAX_FURTHER_PROJECTS = 15
"""The Call to Action: 25 projects "and another 15 which may be developed" over the programme's life."""
SEEDED_AUTHOR = "Step-Change Call to Action (2018)"
LIMITS = {"title": 200, "action": 5000, "vision": 5000, "summary": 5000, "note": 500}
LABELS = {
    "title": "the title",
    "action": "the Action",
    "vision": "the Vision",
    "summary": "what has happened since the last update",
    "note": "the note",
}
"""Each text as its form's label words it, so an error says what the label asks ("Enter what has happened
since the last update")."""


@dataclass(frozen=True)
class Amendment:
    """What a co-chair or the office changes in a project; ``None`` leaves a field as it is."""

    version: int
    title: str | None = None
    action: str | None = None
    vision: str | None = None
    note: str = ""


def _check_texts(values: dict[str, str | None], *, required: bool) -> dict[str, str]:
    """Trimmed texts, or InvalidInput naming every field that is empty, too long or holds control characters."""
    errors, clean = [], {}
    for name, value in values.items():
        if value is None:
            continue
        problem = text_problem(value, name, label=LABELS[name], max_length=LIMITS[name], required=required)
        if problem is not None:
            errors.append(problem)
        clean[name] = value.strip()
    if errors:
        raise InvalidInput(errors)
    return clean


@dataclass(frozen=True)
class WorkstreamProjects:
    """A work-stream with its projects in the Call to Action's order (what its public page shows)."""

    workstream: Workstream
    projects: Sequence[Project]

    @property
    def code(self) -> str:
        return self.workstream.code

    @property
    def name(self) -> str:
        return self.workstream.name

    @property
    def source_name(self) -> str:
        return self.workstream.source_name

    @property
    def summary(self) -> str:
        return self.workstream.summary


class ProjectRepository(SQLAlchemyAsyncRepository[Project]):
    model_type = Project


class ProjectService(DomainService[Project, ProjectRepository]):
    """The programme's projects; every change is audited."""

    repository_type = ProjectRepository

    async def by_workstream(self) -> list[WorkstreamProjects]:
        """Every work-stream in the document's order, each with its projects."""
        workstreams = await WorkstreamService(session=self.session).in_order()
        projects = await self.get_many(order_by=[(Project.number, False)])
        return [WorkstreamProjects(w, [p for p in projects if p.workstream_id == w.id]) for w in workstreams]

    async def workstream_with_projects(self, code: str) -> WorkstreamProjects:
        """One work-stream (404 if there is none with this code) with its projects."""
        workstream = await WorkstreamService(session=self.session).by_code(code)
        projects = await self.get_many(Project.workstream_id == workstream.id, order_by=[(Project.number, False)])
        return WorkstreamProjects(workstream, projects)

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
                await self.session.scalar(select(Workstream.id).where(Workstream.code == code))
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
                "Select[tuple[Project]]", select(Project).join(Workstream, Project.workstream_id == Workstream.id)
            ),
        )

    # --- the lifecycle ------------------------------------------------------------------------

    async def facts(self, project: Project) -> ProjectFacts:
        """What the lifecycle rules need beyond the status: an accepted lead, and ethics clearance.

        Asked of the domains above through :data:`~stepchange.projects.facts.PROJECT_FACTS`.
        """
        source = PROJECT_FACTS()
        return ProjectFacts(
            lead_accepted=await source.lead_accepted(self.session, project.id),
            ethics_cleared=await source.ethics_cleared(self.session, project.id),
        )

    async def post_update(
        self, actor: Principal, code: str, *, status: ProjectStatus | None, rag: Rag | None, summary: str
    ) -> StatusUpdate:
        """Record a dated status report; the move must be legal and the project unchanged meanwhile. Every
        missing or invalid answer is named at once (``None``: not chosen)."""
        project = await self.by_code(code)
        require_runs_workstream(actor, project.workstream_id, "post updates on this project")
        problems = [FieldError("status", "Choose a status")] if status is None else []
        problems += [FieldError("rag", "Choose a RAG rating")] if rag is None else []
        try:
            text = _check_texts({"summary": summary}, required=True)["summary"]
        except InvalidInput as exc:
            problems += exc.errors
        if problems or status is None or rag is None:
            raise InvalidInput(problems)
        current = project.status
        broken = broken_rules(current, status, await self.facts(project))
        if broken:
            raise RuleViolation(broken, allowed=[s.value for s in allowed_moves(current)], project_status=current.value)
        moved = await self.session.execute(
            update(Project)
            .where(Project.id == project.id, Project.status == current)
            .values(status=status, rag=rag)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise RuleViolation([BrokenRule("changed_meanwhile", "Someone else updated this project; reload it")])
        await project_cache.bump(self.session)
        entry = StatusUpdate(
            project_id=project.id,
            previous_status=current,
            status=status,
            rag=rag,
            summary=text,
            author_id=actor.id,
            author=actor.label,
        )
        self.session.add(entry)
        await audit.record(
            self.session,
            actor,
            "project.status_updated",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code}: {current.value} → {status.value}, {rag.value}",
            changes=audit.diff({"status": current, "rag": project.rag}, {"status": status, "rag": rag}),
        )
        await self.session.flush()
        await self.session.refresh(project)
        return entry

    async def system_move(self, project: Project, status: ProjectStatus, why: str) -> StatusUpdate | None:
        """The service moves a project itself (offers out: recruiting; lead accepted: staffed) when the
        lifecycle allows it, recording a dated update like anyone's; otherwise it leaves the project be."""
        if project.status == status or broken_rules(project.status, status, await self.facts(project)):
            return None
        entry = StatusUpdate(
            project_id=project.id,
            previous_status=project.status,
            status=status,
            rag=project.rag,  # the last RAG reported, never one nobody chose
            summary=why,
            author_id=None,
            author="Step-Change (automatic)",
        )
        await audit.record(
            self.session,
            None,
            "project.status_updated",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code}: {project.status.value} → {status.value} ({why})",
            changes=audit.diff({"status": project.status}, {"status": status}),
        )
        project.status = status
        self.session.add(entry)
        return entry

    async def updates(self, code: str) -> tuple[Project, Sequence[StatusUpdate]]:
        """The project and its dated history of updates, newest first."""
        project = await self.by_code(code)
        rows = await self.session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.project_id == project.id)
            .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id)
        )
        return project, rows.all()

    # --- amendments and versions ------------------------------------------------------------

    async def amendable(self, actor: Principal, code: str) -> Project:
        """The project, if ``actor`` may amend it now (asked before the form is shown, and again on saving)."""
        project = await self.by_code(code)
        require_runs_workstream(actor, project.workstream_id, "amend this project")
        if project.status not in OPEN_TO_AMENDMENT:
            message = f"A {project.status.value} project can no longer be amended"
            raise RuleViolation([BrokenRule("not_open_to_amendment", message, "Post an update on the project instead")])
        return project

    async def amend(self, actor: Principal, code: str, change: Amendment) -> Project:
        """Amend title, Action or Vision: the version must be the one the editor saw; every version is kept."""
        project = await self.amendable(actor, code)
        texts = _check_texts({"title": change.title, "action": change.action, "vision": change.vision}, required=True)
        note = _check_texts({"note": change.note}, required=False).get("note", "")
        before = {"title": project.title, "action": project.action, "vision": project.vision}
        after = {**before, **texts}
        if after == before:
            raise InvalidInput.one("body", "Change at least one of title, action or vision")
        amended = await self.session.execute(
            update(Project)
            .where(Project.id == project.id, Project.version == change.version)
            .values(**after, version=Project.version + 1)
            .execution_options(synchronize_session=False)
        )
        if amended.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion("project", change.version, project.version)
        await project_cache.bump(self.session)
        self.session.add(
            ProjectVersion(
                project_id=project.id,
                version=change.version + 1,
                author_id=actor.id,
                author=actor.label,
                note=note,
                **after,
            )
        )
        await audit.record(
            self.session,
            actor,
            "project.amended",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code} amended to version {change.version + 1}",
            changes=audit.diff(before, after),
        )
        await self.session.flush()
        await self.session.refresh(project)
        return project

    async def versions(self, code: str) -> tuple[Project, Sequence[ProjectVersion]]:
        """Every version of a project, newest first."""
        project = await self.by_code(code)
        rows = await self.session.scalars(
            select(ProjectVersion)
            .where(ProjectVersion.project_id == project.id)
            .order_by(ProjectVersion.version.desc())
        )
        return project, rows.all()

    async def version(self, code: str, number: int) -> tuple[Project, ProjectVersion]:
        project = await self.by_code(code)
        found = await self.session.scalar(
            select(ProjectVersion).where(ProjectVersion.project_id == project.id, ProjectVersion.version == number)
        )
        if found is None:
            raise NotFound("version", f"number {number} of {project.code}")
        return project, found

    # --- pipeline projects ------------------------------------------------------------------------

    async def add_pipeline_project(
        self, actor: Principal, workstream_code: str, *, title: str, action: str, vision: str
    ) -> Project:
        """Add one of the further projects to a work-stream, continuing its series of codes (T6, CP6 …)."""
        if actor.role != Role.COORDINATOR:
            raise NotAllowed("Only the programme office adds projects")
        texts = _check_texts({"title": title, "action": action, "vision": vision}, required=True)
        workstream = await self._locked_workstream(workstream_code)
        further = await self.session.scalar(
            select(func.count()).select_from(Project).where(Project.is_priority.is_(False))
        )
        if (further or 0) >= MAX_FURTHER_PROJECTS:
            raise RuleViolation(
                [BrokenRule("pipeline_full", f"The programme has room for {MAX_FURTHER_PROJECTS} further projects")]
            )
        number = 1 + (
            await self.session.scalar(select(func.max(Project.number)).where(Project.workstream_id == workstream.id))
            or 0
        )
        project = Project(
            code=f"{workstream.code}{number}",
            workstream_id=workstream.id,
            number=number,
            status=ProjectStatus.PIPELINE,
            is_priority=False,
            version=1,
            **texts,
        )
        self.session.add(project)
        await self.session.flush()
        self.session.add(
            ProjectVersion(project_id=project.id, version=1, author_id=actor.id, author=actor.label, **texts)
        )
        await project_cache.bump(self.session)
        await audit.record(
            self.session,
            actor,
            "project.added",
            subject_type="project",
            subject_id=project.code,
            summary=f"Added pipeline project {project.code}",
            changes=audit.diff({}, {"workstream": workstream.code, **texts}),
        )
        await self.session.flush()
        await self.session.refresh(project)
        return project

    async def _locked_workstream(self, code: str) -> Workstream:
        """The work-stream, locked so two new projects cannot take the same number (SQLite: BEGIN IMMEDIATE)."""
        code = code.strip().upper()
        found = (
            await self.session.scalar(select(Workstream).where(Workstream.code == code).with_for_update())
            if WORKSTREAM_CODE.fullmatch(code)
            else None
        )
        if found is None:
            raise InvalidInput([FieldError("workstream", f"There is no work-stream with code {code!r}")])
        return found
