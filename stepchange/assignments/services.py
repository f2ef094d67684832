"""Places on projects, in one service every door uses: the desk and its pages, the assignments API and
page, the offer link and volunteers' self-service.

:meth:`AssignmentService.offer` is the one way a place is offered: it reads the facts, refuses (409)
naming every rule broken (:mod:`stepchange.assignments.rules`), then records the offer, e-mails the person
a link to answer it, tells the co-chairs and moves the project to recruiting. Answering, ending and
replacing a lead live here too, so each change to a team has one set of consequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.exc import IntegrityError

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.notices import OFFER, email_offer, tell_co_chairs
from stepchange.assignments.rules import (
    LAPSE_AFTER,
    LAPSED,
    Candidate,
    TeamLoad,
    Terms,
    broken_rules,
    check_hours,
    clearance_rule,
    lapse,
    team_rules,
)
from stepchange.assignments.rules import NOT_OPEN as NOT_OPEN  # where the board reports read it
from stepchange.core import audit, clock
from stepchange.core.database import immediate_transaction
from stepchange.core.errors import BrokenRule, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.links import check_link, use_link
from stepchange.core.services import DomainService
from stepchange.core.settings import Settings, get_settings
from stepchange.core.validation import normalise_email, text_problem
from stepchange.ethics.conflicts import conflict_rules
from stepchange.ethics.models import project_cleared
from stepchange.people.models import Volunteer
from stepchange.people.organisations import match_key
from stepchange.projects.models import Project, ProjectStatus
from stepchange.projects.services import ProjectService

WITHDREW = "the volunteer withdrew"


@dataclass(frozen=True)
class Placed:
    """An assignment with its project's code and its person's name, as lists show it."""

    assignment: Assignment
    code: str
    name: str


def _active_on(project_id: UUID) -> list[ColumnElement[bool]]:
    return [Assignment.project_id == project_id, Assignment.status.in_(ACTIVE)]


def _close(assignment: Assignment, reason: str) -> None:
    """End a place: the record stays, with when and why."""
    assignment.status, assignment.ended_at, assignment.ended_reason = AssignmentStatus.ENDED, clock.now(), reason


class AssignmentRepository(SQLAlchemyAsyncRepository[Assignment]):
    model_type = Assignment


class AssignmentService(DomainService[Assignment, AssignmentRepository]):
    """Places on projects; every change is audited and the people concerned are told."""

    repository_type = AssignmentRepository

    # --- who and what -----------------------------------------------------------------------------------

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

    # --- the facts the rules read -----------------------------------------------------------------------

    async def candidate(self, volunteer: Volunteer, project: Project, role: AssignmentRole) -> Candidate:
        """The facts the eligibility rules need, read in this unit of work."""
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
            conflicts=await conflict_rules(self.session, volunteer.id, project),
            lead_taken=bool(lead_taken),
            already_assigned=bool(already),
        )

    async def eligibility(
        self, volunteer: Volunteer, project: Project, role: AssignmentRole = AssignmentRole.MEMBER
    ) -> list[BrokenRule]:
        """The rules offering this person the place would break, without raising (empty: they may be offered
        it). The team rules are left out: they depend on the terms of an offer."""
        return broken_rules(await self.candidate(volunteer, project, role))

    async def hours_taken(self, volunteer_id: UUID) -> int:
        """The hours a month of the person's offered and accepted places."""
        query = select(func.coalesce(func.sum(Assignment.hours), 0)).where(
            Assignment.volunteer_id == volunteer_id, Assignment.status.in_(ACTIVE)
        )
        return int(await self.session.scalar(query) or 0)

    async def team_load(self, volunteer: Volunteer, project: Project, share_limit: int = 100) -> TeamLoad:
        organisations = await self.session.execute(
            select(Volunteer.id, Volunteer.organisation)
            .join(Assignment, Assignment.volunteer_id == Volunteer.id)
            .where(*_active_on(project.id))
        )
        team = list(organisations.all())
        key = match_key(volunteer.organisation)
        # The person's own place (if they hold one, another rule refuses) is not a colleague of theirs.
        others = [name for member_id, name in team if member_id != volunteer.id]
        return TeamLoad(
            hours_offered=volunteer.hours_per_month,
            hours_taken=await self.hours_taken(volunteer.id),
            team=len(team),
            wanted=project.wanted_team_size,
            same_organisation=sum(1 for name in others if key and match_key(name) == key),
            organisation=volunteer.organisation,
            share_limit=share_limit,
        )

    async def team_of(self, project: Project) -> list[tuple[Assignment, Volunteer]]:
        """Everyone ever offered a place on the project (ended and declined too), oldest offer first."""
        rows = await self.session.execute(
            select(Assignment, Volunteer)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project.id)
            .order_by(Assignment.created_at)
        )
        return [(a, v) for a, v in rows.all()]

    # --- a place's life ---------------------------------------------------------------------------------

    async def offer(
        self,
        actor: Principal,
        volunteer_id: UUID,
        project_code: str,
        role: AssignmentRole,
        hours: int | None = None,
        *,
        override: str = "",
        confirm_uncleared: bool = False,
        settings: Settings | None = None,
    ) -> Assignment:
        """Offer a place, refused (naming every broken rule) unless they all hold; then the person is e-mailed
        a link to answer it, the co-chairs are told and the project moves to recruiting.

        ``override`` is a coordinator's reason for going past the hours the person offered;
        ``confirm_uncleared`` says the office knows the project is not yet ethics-cleared; ``settings``
        are the application's (the process's when a command calls this)."""
        await immediate_transaction(self.session)
        person = await self.volunteer(volunteer_id)
        project = await self.project(project_code)
        check_hours(hours)
        terms = Terms(role, hours, override)
        settings = settings or get_settings()
        load = await self.team_load(person, project, settings.team_max_share_percent)
        broken = team_rules(project.code, terms, load)
        broken += await self.eligibility(person, project, role)
        cleared = await project_cleared(self.session, project.id)
        broken += clearance_rule(project, cleared, confirm_uncleared)
        if broken:
            raise RuleViolation(broken)
        assignment = await self._record_offer(actor, person, project, terms)
        if not cleared:
            summary = f"Offered before {project.code}'s commercial-advantage review cleared it"
            await audit.record(
                self.session,
                actor,
                "assignment.offered_before_clearance",
                subject_type="assignment",
                subject_id=assignment.id,
                summary=summary,
            )
        await email_offer(self.session, person, project, assignment, settings)
        await ProjectService(session=self.session).system_move(
            project, ProjectStatus.RECRUITING, "Places offered to volunteers"
        )
        await tell_co_chairs(self.session, project, assignment, settings)
        return assignment

    async def _record_offer(self, actor: Principal, person: Volunteer, project: Project, terms: Terms) -> Assignment:
        """Write the offer; the partial unique indexes refuse one that lost a race with another."""
        assignment = Assignment(
            volunteer_id=person.id,
            project_id=project.id,
            role=terms.role,
            status=AssignmentStatus.OFFERED,
            offered_by_id=actor.id,
            offered_by=actor.label,
            hours=terms.hours,
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
            summary=f"Offered a {terms.role.value} place on {project.code}",
            changes=audit.diff(
                {},
                {"volunteer_id": person.id, "project": project.code, "role": terms.role, "status": assignment.status},
            ),
        )
        if terms.overridden:
            await audit.record(
                self.session,
                actor,
                "assignment.hours_override",
                subject_type="assignment",
                subject_id=assignment.id,
                summary=terms.override.strip()[:300],
            )
        return assignment

    async def offer_for_link(self, token: str) -> tuple[Assignment, Project]:
        """The offer behind an e-mailed link, without using the link up (opening it shows the offer)."""
        link = await check_link(self.session, OFFER, token)
        return await self._with_project(link.subject_id)

    async def respond(self, token: str, accept: bool, settings: Settings) -> tuple[Assignment, Project]:
        """The person accepts or declines by the e-mailed link; a lead accepting staffs the project."""
        link = await use_link(self.session, OFFER, token)
        assignment, project = await self._with_project(link.subject_id)
        if assignment.status is not AssignmentStatus.OFFERED:
            raise RuleViolation([BrokenRule("not_offered", f"This offer is already {assignment.status.value}")])
        assignment.status = AssignmentStatus.ACCEPTED if accept else AssignmentStatus.DECLINED
        assignment.responded_at = clock.now()
        await self.session.flush()
        await audit.record(
            self.session,
            None,
            f"assignment.{assignment.status.value}",
            subject_type="assignment",
            subject_id=assignment.id,
            summary=f"{project.code} {assignment.role.value} place {assignment.status.value}",
        )
        if accept and assignment.role is AssignmentRole.LEAD:
            await ProjectService(session=self.session).system_move(project, ProjectStatus.STAFFED, "The lead accepted")
        await tell_co_chairs(self.session, project, assignment, settings)
        return assignment, project

    async def end(self, actor: Principal, assignment_id: UUID, reason: str, settings: Settings) -> Assignment:
        """End a place with the reason why; the record stays, and the co-chairs are told."""
        if problem := text_problem(reason, "reason", label="why it ends", max_length=500):
            raise InvalidInput([problem])
        assignment, project = await self._with_project(assignment_id)
        if assignment.status not in ACTIVE:
            raise RuleViolation([BrokenRule("not_active", f"This place is already {assignment.status.value}")])
        before = assignment.status
        _close(assignment, reason.strip())
        await audit.record(
            self.session,
            actor,
            "assignment.ended",
            subject_type="assignment",
            subject_id=assignment.id,
            summary=f"{project.code}: {reason.strip()[:200]}",
            changes=audit.diff({"status": before}, {"status": AssignmentStatus.ENDED}),
        )
        await tell_co_chairs(self.session, project, assignment, settings)
        return assignment

    async def replace_lead(
        self, actor: Principal, code: str, volunteer_id: UUID, hours: int, reason: str, settings: Settings
    ) -> Assignment:
        """Replacing a lead is one explicit action: the current lead's place ends, the new lead is offered it."""
        project = await self.project(code)
        current = await self.session.scalar(
            select(Assignment).where(*_active_on(project.id), Assignment.role == AssignmentRole.LEAD)
        )
        if current is None:
            raise RuleViolation([BrokenRule("no_lead", f"{project.code} has no lead to replace; offer a lead place")])
        await self.end(actor, current.id, reason, settings)
        await self.session.flush()
        return await self.offer(
            actor, volunteer_id, project.code, AssignmentRole.LEAD, hours, confirm_uncleared=True, settings=settings
        )

    async def lapse_unanswered(self) -> list[tuple[Assignment, Project]]:
        """End every offer unanswered past :data:`LAPSE_AFTER` (the rule: :func:`lapse`); the reminders'
        daily run calls this and tells the office and the co-chairs in their digests."""
        now = clock.now()
        due = select(Assignment, Project).join(Project, Project.id == Assignment.project_id)
        due = due.where(Assignment.status == AssignmentStatus.OFFERED, Assignment.created_at <= now - LAPSE_AFTER)
        lapsed = [(a, p) for a, p in (await self.session.execute(due)).all() if lapse(a, now)]
        for assignment, project in lapsed:
            _close(assignment, LAPSED)
            await audit.record(
                self.session,
                None,
                "assignment.lapsed",
                subject_type="assignment",
                subject_id=assignment.id,
                summary=f"{project.code} {assignment.role.value} place: {LAPSED}",
                changes=audit.diff({"status": AssignmentStatus.OFFERED}, {"status": AssignmentStatus.ENDED}),
            )
        return lapsed

    async def end_places_of(self, volunteer_id: UUID, project_id: UUID | None = None) -> None:
        """The person withdrew (from one project, or from the programme): their places end."""
        query = select(Assignment).where(Assignment.volunteer_id == volunteer_id, Assignment.status.in_(ACTIVE))
        if project_id is not None:
            query = query.where(Assignment.project_id == project_id)
        for assignment in (await self.session.scalars(query)).all():
            _close(assignment, WITHDREW)

    async def _with_project(self, assignment_id: UUID) -> tuple[Assignment, Project]:
        assignment = await self.session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound("offer", "that link")
        return assignment, await self.session.get_one(Project, assignment.project_id)

    # --- lists --------------------------------------------------------------------------------------------

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
        return [Placed(a, code, name) for a, code, name in rows.all()], total

    async def one(self, assignment_id: UUID) -> Placed:
        row = (await self.session.execute(_placed().where(Assignment.id == assignment_id))).first()
        if row is None:
            raise NotFound("assignment", f"id {assignment_id}")
        assignment, code, name = row
        return Placed(assignment, code, name)

    async def of_volunteer(self, volunteer_id: UUID) -> Sequence[tuple[Assignment, Project]]:
        """A person's places, oldest first, with their projects (what they see of themselves)."""
        rows = await self.session.execute(
            select(Assignment, Project)
            .join(Project, Assignment.project_id == Project.id)
            .where(Assignment.volunteer_id == volunteer_id)
            .order_by(Assignment.created_at)
        )
        return [(a, p) for a, p in rows.all()]


def _placed() -> Select[Assignment, str, str]:
    return (
        select(Assignment, Project.code, Volunteer.name)
        .join(Project, Assignment.project_id == Project.id)
        .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
    )
