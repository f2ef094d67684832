"""Assignment rules: who may be offered a place on which project, in one function every path uses.

:func:`broken_rules` is pure and names *every* rule an offer breaks; :meth:`AssignmentService.eligibility`
gathers the facts for it without raising (the coordinator's desk uses it for suggestions) and
:meth:`AssignmentService.offer` refuses with all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.exc import IntegrityError

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.core import audit
from stepchange.core.database import immediate_transaction
from stepchange.core.errors import BrokenRule, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import normalise_email
from stepchange.ethics.conflicts import Blocking, blocking_declarations, declaration_rules
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project, ProjectStatus
from stepchange.projects.services import ProjectService

NOT_OPEN = frozenset({ProjectStatus.PIPELINE, ProjectStatus.DELIVERED, ProjectStatus.WITHDRAWN})
"""People can be assigned from provisional on, until the project is delivered or withdrawn."""


@dataclass(frozen=True)
class Placed:
    """An assignment with its project's code and its person's name, as lists show it."""

    assignment: Assignment
    code: str
    name: str


@dataclass(frozen=True)
class Candidate:
    """Everything the assignment rules look at for one person, project and role."""

    volunteer: Volunteer
    project: Project
    role: AssignmentRole
    blocking: Sequence[Blocking]
    lead_taken: bool
    already_assigned: bool


def broken_rules(candidate: Candidate) -> list[BrokenRule]:
    """Every rule offering this place breaks; an empty list means it may be offered."""
    person, project = candidate.volunteer, candidate.project
    broken = []
    if person.identity is not Identity.VALIDATED:
        broken.append(
            BrokenRule(
                "not_validated",
                f"Only validated people can be assigned; this person is {person.identity.value.replace('_', ' ')}",
            )
        )
    broken += declaration_rules(project.code, candidate.blocking)
    if candidate.role is AssignmentRole.LEAD and candidate.lead_taken:
        broken.append(BrokenRule("lead_taken", f"{project.code} already has an offered or accepted lead"))
    if project.status in NOT_OPEN:
        broken.append(
            BrokenRule(
                "project_not_open",
                f"{project.code} is {project.status.value}: people are assigned from provisional until delivery ends",
            )
        )
    if candidate.already_assigned:
        broken.append(
            BrokenRule("already_assigned", f"This person already has an offered or accepted place on {project.code}")
        )
    return broken


def _active_on(project_id: UUID) -> list[ColumnElement[bool]]:
    return [Assignment.project_id == project_id, Assignment.status.in_(ACTIVE)]


class AssignmentRepository(SQLAlchemyAsyncRepository[Assignment]):
    model_type = Assignment


class AssignmentService(DomainService[Assignment, AssignmentRepository]):
    """Offers of places on projects; every change is audited."""

    repository_type = AssignmentRepository

    async def candidate(self, volunteer: Volunteer, project: Project, role: AssignmentRole) -> Candidate:
        """The facts the rules need, read in this unit of work."""
        lead_taken = await self.session.scalar(
            select(exists().where(*_active_on(project.id), Assignment.role == AssignmentRole.LEAD))
        )
        already = await self.session.scalar(
            select(exists().where(*_active_on(project.id), Assignment.volunteer_id == volunteer.id))
        )
        return Candidate(
            volunteer=volunteer,
            project=project,
            role=role,
            blocking=await blocking_declarations(self.session, volunteer.id, project.id),
            lead_taken=bool(lead_taken),
            already_assigned=bool(already),
        )

    async def eligibility(
        self, volunteer: Volunteer, project: Project, role: AssignmentRole = AssignmentRole.MEMBER
    ) -> list[BrokenRule]:
        """The rules an offer would break, without raising (empty: the person may be offered the place)."""
        return broken_rules(await self.candidate(volunteer, project, role))

    async def volunteer(self, volunteer_id: UUID, field: str = "volunteer_id") -> Volunteer:
        person = await self.session.get(Volunteer, volunteer_id)
        if person is None:
            raise InvalidInput.one(field, f"There is no volunteer with id {volunteer_id}")
        return person

    async def volunteer_by_email(self, email: str, field: str = "volunteer") -> Volunteer:
        person = await self.session.scalar(select(Volunteer).where(Volunteer.email == normalise_email(email)))
        if person is None:
            raise InvalidInput.one(field, "There is nobody with that email address")
        return person

    async def project(self, code: str, field: str = "project") -> Project:
        try:
            return await ProjectService(session=self.session).by_code(code)
        except NotFound:
            raise InvalidInput.one(field, f"There is no project with code {code!r}") from None

    async def offer(
        self, actor: Principal, volunteer_id: UUID, project_code: str, role: AssignmentRole, hours: int | None = None
    ) -> Assignment:
        """Offer a place, refused (naming every broken rule) unless the rules all hold."""
        await immediate_transaction(self.session)
        person = await self.volunteer(volunteer_id)
        project = await self.project(project_code)
        broken = await self.eligibility(person, project, role)
        if broken:
            raise RuleViolation(broken)
        assignment = Assignment(
            volunteer_id=person.id,
            project_id=project.id,
            role=role,
            status=AssignmentStatus.OFFERED,
            offered_by_id=actor.id,
            offered_by=actor.label,
            hours=hours,
        )
        self.session.add(assignment)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # another offer won the race; the index that refused names the rule
            rule = "already_assigned" if "volunteer" in str(exc.orig) else "lead_taken"
            raise RuleViolation([BrokenRule(rule, "Someone else made an offer for this place just now")]) from None
        await audit.record(
            self.session,
            actor,
            "assignment.offered",
            subject_type="assignment",
            subject_id=assignment.id,
            summary=f"Offered a {role.value} place on {project.code}",
            changes=audit.diff(
                {},
                {"volunteer_id": person.id, "project": project.code, "role": role, "status": assignment.status},
            ),
        )
        return assignment

    async def search(
        self, *, project_code: str | None, volunteer_id: UUID | None, limit: int, offset: int
    ) -> tuple[list[Placed], int]:
        """Assignments (with project code and person's name), newest first."""
        filters: list[ColumnElement[bool]] = []
        if project_code:
            filters.append(Assignment.project_id == (await self.project(project_code)).id)
        if volunteer_id is not None:
            filters.append(Assignment.volunteer_id == volunteer_id)
        total = await self.count(*filters)
        rows = await self.session.execute(
            _placed().where(*filters).order_by(Assignment.created_at.desc(), Assignment.id).limit(limit).offset(offset)
        )
        return [Placed(a, code, name) for a, code, name in rows.tuples().all()], total

    async def one(self, assignment_id: UUID) -> Placed:
        row = (await self.session.execute(_placed().where(Assignment.id == assignment_id))).tuples().first()
        if row is None:
            raise NotFound("assignment", f"id {assignment_id}")
        return Placed(*row)


def _placed() -> Select[Assignment, str, str]:
    return (
        select(Assignment, Project.code, Volunteer.name)
        .join(Project, Assignment.project_id == Project.id)
        .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
    )
