"""The desk's rules: who to suggest for a project and why, the team rules around an offer (hours, team
size, one lead, replacing a lead), acceptance by single-use link, and telling people what happened.

The eligibility rules themselves (validated, declarations, one lead, project open) live in
:mod:`stepchange.assignments.services`; every offer made here goes through them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.services import AssignmentService
from stepchange.core import audit
from stepchange.core.authz import StaffRole
from stepchange.core.errors import BrokenRule, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.links import check_link, issue_link, use_link
from stepchange.core.mail import queue_mail
from stepchange.core.settings import Settings
from stepchange.core.validation import text_problem
from stepchange.ethics.models import Declaration, ReviewState
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.identity import RANK
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project, ProjectStatus
from stepchange.projects.services import ProjectService

OFFER = "offer_response"
OFFER_LIFETIME = dt.timedelta(days=14)
UNANSWERED_AFTER = dt.timedelta(days=7)


@dataclass
class Suggestion:
    """A person who chose the project, with the reasons the desk shows for or against them."""

    volunteer: Volunteer
    rank: int
    role_sought: ChoiceRole
    hours_free: int
    conflict_state: str
    projects_held: list[str]
    same_company_as_team: bool
    refused_because: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple[object, ...]:
        """Lead seekers first when a lead is wanted is handled by the caller; then preference, time, trust."""
        return (self.rank, -self.hours_free, -RANK.get(self.volunteer.identity, -1), self.volunteer.created_at)


@dataclass(frozen=True)
class Gap:
    project: Project
    lead: bool
    team: int

    @property
    def missing(self) -> int:
        """Places to fill: the wanted team counts its lead, so a project without one needs at least one
        more person even when its team is otherwise full."""
        return max(self.project.wanted_team_size - self.team, 0 if self.lead else 1)


class DeskService:
    """The office's daily work, over the assignment rules."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.assignments = AssignmentService(session=session)
        self.projects = ProjectService(session=session)

    # --- what the desk sees ---------------------------------------------------------------------------

    async def hours_taken(self, volunteer_id: UUID, *, leaving_out: UUID | None = None) -> int:
        query = select(func.coalesce(func.sum(Assignment.hours), 0)).where(
            Assignment.volunteer_id == volunteer_id, Assignment.status.in_(ACTIVE)
        )
        if leaving_out is not None:
            query = query.where(Assignment.id != leaving_out)
        return int(await self.session.scalar(query) or 0)

    async def team_of(self, project: Project) -> list[tuple[Assignment, Volunteer]]:
        rows = await self.session.execute(
            select(Assignment, Volunteer)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project.id)
            .order_by(Assignment.created_at)
        )
        return [(a, v) for a, v in rows.all()]

    async def suggestions(self, code: str) -> tuple[list[Suggestion], list[Suggestion]]:
        """People who chose the project: those who may be offered a place, best first, and those who may not,
        each with the reason. A lead is suggested first while the project has none."""
        project = await self.projects.by_code(code)
        team = [(a, v) for a, v in await self.team_of(project) if a.status in ACTIVE]
        team_companies = {v.organisation.strip().lower() for _, v in team}
        has_lead = any(a.role is AssignmentRole.LEAD for a, _ in team)
        rows = await self.session.execute(
            select(Volunteer, Choice.rank, Choice.role)
            .join(Expression, Expression.volunteer_id == Volunteer.id)
            .join(Choice, Choice.expression_id == Expression.id)
            .where(
                Choice.project_id == project.id,
                Expression.status != ExpressionStatus.WITHDRAWN,
                Volunteer.erased_at.is_(None),
            )
        )
        best: dict[UUID, tuple[Volunteer, int, ChoiceRole]] = {}
        for person, rank, role in rows.all():
            if person.id not in best or rank < best[person.id][1]:
                best[person.id] = (person, rank, role)
        suggested: list[Suggestion] = []
        refused: list[Suggestion] = []
        for person, rank, role in best.values():
            suggestion = await self._suggestion(person, project, rank, role, team_companies)
            (refused if suggestion.refused_because else suggested).append(suggestion)
        suggested.sort(key=lambda s: (has_lead or s.role_sought is not ChoiceRole.LEAD, *s.sort_key()))
        refused.sort(key=lambda s: s.sort_key())
        return suggested, refused

    async def _suggestion(
        self, person: Volunteer, project: Project, rank: int, role: ChoiceRole, team_companies: set[str]
    ) -> Suggestion:
        broken = await self.assignments.eligibility(person, project, AssignmentRole(role.value))
        broken = [r for r in broken if r.rule != "lead_taken"]  # they can still join as a member
        held = await self.session.scalars(
            select(Project.code)
            .join(Assignment, Assignment.project_id == Project.id)
            .where(Assignment.volunteer_id == person.id, Assignment.status.in_(ACTIVE))
        )
        states = set(
            (await self.session.scalars(select(Declaration.state).where(Declaration.volunteer_id == person.id))).all()
        )
        conflict = (
            "excluded"
            if ReviewState.EXCLUDED in states
            else "pending"
            if ReviewState.PENDING in states
            else "managed"
            if ReviewState.MANAGED in states
            else "cleared"
            if states
            else "nothing declared"
        )
        hours_free = person.hours_per_month - await self.hours_taken(person.id)
        return Suggestion(
            volunteer=person,
            rank=rank,
            role_sought=role,
            hours_free=hours_free,
            conflict_state=conflict,
            projects_held=list(held.all()),
            same_company_as_team=person.organisation.strip().lower() in team_companies,
            refused_because=[r.message for r in broken],
        )

    async def gaps(self) -> list[Gap]:
        """Open projects by how far they are from a full team with a lead, biggest gap first."""
        projects = (
            await self.session.scalars(
                select(Project).where(
                    Project.status.not_in([ProjectStatus.PIPELINE, ProjectStatus.DELIVERED, ProjectStatus.WITHDRAWN])
                )
            )
        ).all()
        gaps = []
        for project in projects:
            team = [a for a, _ in await self.team_of(project) if a.status in ACTIVE]
            lead = any(a.role is AssignmentRole.LEAD and a.status is AssignmentStatus.ACCEPTED for a in team)
            gaps.append(Gap(project, lead, len(team)))
        return sorted(gaps, key=lambda g: (-g.missing, g.project.programme_order))

    async def awaiting_validation(self) -> Sequence[Volunteer]:
        return (
            await self.session.scalars(
                select(Volunteer)
                .where(
                    Volunteer.identity.in_([Identity.EMAIL_CONFIRMED, Identity.ORGANISATION_CONFIRMED]),
                    Volunteer.erased_at.is_(None),
                )
                .order_by(Volunteer.created_at)
            )
        ).all()

    async def awaiting_review(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(Declaration).where(Declaration.state == ReviewState.PENDING)
            )
            or 0
        )

    async def unanswered_offers(self, now: dt.datetime | None = None) -> list[tuple[Assignment, Volunteer, Project]]:
        cutoff = (now or dt.datetime.now(dt.UTC)) - UNANSWERED_AFTER
        rows = await self.session.execute(
            select(Assignment, Volunteer, Project)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .join(Project, Assignment.project_id == Project.id)
            .where(Assignment.status == AssignmentStatus.OFFERED, Assignment.created_at < cutoff)
            .order_by(Assignment.created_at)
        )
        return [(a, v, p) for a, v, p in rows.all()]

    # --- offers and the team rules ----------------------------------------------------------------------

    async def offer(
        self,
        actor: Principal,
        volunteer_id: UUID,
        code: str,
        role: AssignmentRole,
        hours: int,
        settings: Settings,
        *,
        override: str = "",
    ) -> Assignment:
        """Offer a place: the team rules (hours ceiling, team size) here, the eligibility rules in the
        assignment service; the person is e-mailed a link to accept or decline, the co-chairs are told."""
        project = await self.assignments.project(code)
        person = await self.assignments.volunteer(volunteer_id)
        if not 1 <= hours <= 160:
            raise InvalidInput.one("hours", "Enter the hours a month this place takes, from 1 to 160")
        broken = await self._team_rules(person, project, hours, override)
        broken += await self.assignments.eligibility(person, project, role)
        if broken:
            raise RuleViolation(broken)
        assignment = await self.assignments.offer(actor, person.id, project.code, role, hours)
        if override.strip():
            await audit.record(
                self.session,
                actor,
                "assignment.hours_override",
                subject_type="assignment",
                subject_id=assignment.id,
                summary=override.strip()[:300],
            )
        await self._send_offer(person, project, assignment, settings)
        await self.projects.system_move(project, ProjectStatus.RECRUITING, "Places offered to volunteers")
        await self._tell_co_chairs(project, f"{project.code} has offered a {role.value} place", settings)
        return assignment

    async def _team_rules(self, person: Volunteer, project: Project, hours: int, override: str) -> list[BrokenRule]:
        broken = []
        taken = await self.hours_taken(person.id)
        if taken + hours > person.hours_per_month and not override.strip():
            broken.append(
                BrokenRule(
                    "hours_exceeded",
                    f"This person offered {person.hours_per_month} hours a month and already has {taken}; "
                    f"another {hours} needs a coordinator's override with a reason",
                )
            )
        team = [a for a, _ in await self.team_of(project) if a.status in ACTIVE]
        if len(team) >= project.wanted_team_size:
            broken.append(
                BrokenRule("team_full", f"{project.code} already has the {project.wanted_team_size} people it wants")
            )
        return broken

    async def _send_offer(
        self, person: Volunteer, project: Project, assignment: Assignment, settings: Settings
    ) -> None:
        token = await issue_link(self.session, OFFER, assignment.id, lifetime=OFFER_LIFETIME)
        url = f"{settings.base_url}/offers/{token}"
        role = "lead" if assignment.role is AssignmentRole.LEAD else "a member of the team"
        await queue_mail(
            self.session,
            to=person.email,
            subject=f"A place on Step-Change project {project.code}",
            text=(
                f"Dear {person.name},\n\nThe programme office would like you to be {role} for {project.code}: "
                f"{project.title}, for about {assignment.hours} hours a month.\n\nAccept or decline here (the link "
                f"works once and expires in 14 days):\n{url}\n"
            ),
            category=OFFER,
        )

    async def _tell_co_chairs(self, project: Project, what: str, settings: Settings) -> None:
        chairs = await self.session.scalars(
            select(StaffUser).where(
                StaffUser.role == StaffRole.CO_CHAIR,
                StaffUser.workstream_id == project.workstream_id,
                StaffUser.is_active,
            )
        )
        for chair in chairs.all():
            await queue_mail(
                self.session,
                to=chair.email,
                subject=f"Step-Change: {what}",
                category="co_chair_notice",
                text=(
                    f"Dear {chair.name},\n\n{what}.\n\nSee the team: {settings.base_url}/desk/projects/{project.code}\n"
                ),
            )

    async def offer_for_link(self, token: str) -> tuple[Assignment, Project]:
        link = await check_link(self.session, OFFER, token)
        return await self._assignment_and_project(link.subject_id)

    async def respond(self, token: str, accept: bool, settings: Settings) -> tuple[Assignment, Project]:
        """The person accepts or declines by the emailed link; a lead accepting staffs the project."""
        link = await use_link(self.session, OFFER, token)
        assignment, project = await self._assignment_and_project(link.subject_id)
        if assignment.status is not AssignmentStatus.OFFERED:
            raise RuleViolation([BrokenRule("not_offered", f"This offer is already {assignment.status.value}")])
        assignment.status = AssignmentStatus.ACCEPTED if accept else AssignmentStatus.DECLINED
        assignment.responded_at = dt.datetime.now(dt.UTC)
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
            await self.projects.system_move(project, ProjectStatus.STAFFED, "The lead accepted")
        verb = "gained" if accept else "had an offer declined by"
        await self._tell_co_chairs(project, f"{project.code} has {verb} a {assignment.role.value}", settings)
        return assignment, project

    async def _assignment_and_project(self, assignment_id: UUID) -> tuple[Assignment, Project]:
        assignment = await self.session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound("offer", "that link")
        return assignment, await self.session.get_one(Project, assignment.project_id)

    async def end(self, actor: Principal, assignment_id: UUID, reason: str, settings: Settings) -> Assignment:
        """End a place; the record stays, with when and why."""
        if problem := text_problem(reason, "reason", label="why it ends", max_length=500):
            raise InvalidInput([problem])
        assignment, project = await self._assignment_and_project(assignment_id)
        if assignment.status not in ACTIVE:
            raise RuleViolation([BrokenRule("not_active", f"This place is already {assignment.status.value}")])
        before = assignment.status
        assignment.status, assignment.ended_at, assignment.ended_reason = (
            AssignmentStatus.ENDED,
            dt.datetime.now(dt.UTC),
            reason.strip(),
        )
        await audit.record(
            self.session,
            actor,
            "assignment.ended",
            subject_type="assignment",
            subject_id=assignment.id,
            summary=f"{project.code}: {reason.strip()[:200]}",
            changes=audit.diff({"status": before}, {"status": AssignmentStatus.ENDED}),
        )
        await self._tell_co_chairs(project, f"{project.code} has lost a {assignment.role.value}", settings)
        return assignment

    async def replace_lead(
        self, actor: Principal, code: str, volunteer_id: UUID, hours: int, reason: str, settings: Settings
    ) -> Assignment:
        """Replacing a lead is one explicit action: the current lead's place ends, the new lead is offered it."""
        project = await self.assignments.project(code)
        current = [a for a, _ in await self.team_of(project) if a.role is AssignmentRole.LEAD and a.status in ACTIVE]
        if not current:
            raise RuleViolation([BrokenRule("no_lead", f"{project.code} has no lead to replace; offer a lead place")])
        await self.end(actor, current[0].id, reason, settings)
        await self.session.flush()
        return await self.offer(actor, volunteer_id, project.code, AssignmentRole.LEAD, hours, settings)

    async def finish_call(self, actor: Principal, call_id: UUID, settings: Settings) -> int:
        """The call's places are filled: people who offered and were not placed get a kind message, once."""
        call = await self.session.get(Call, call_id)
        if call is None:
            raise NotFound("call", f"id {call_id}")
        placed = select(Assignment.volunteer_id).where(Assignment.status.in_(ACTIVE))
        people = (
            await self.session.scalars(
                select(Volunteer)
                .join(Expression, Expression.volunteer_id == Volunteer.id)
                .where(
                    Expression.call_id == call.id,
                    Expression.status == ExpressionStatus.CONFIRMED,
                    Volunteer.id.not_in(placed),
                    Volunteer.erased_at.is_(None),
                )
                .distinct()
            )
        ).all()
        already = {
            e.subject_id
            for e in (
                await self.session.scalars(
                    select(audit.AuditEntry).where(audit.AuditEntry.action == "desk.not_placed_told")
                )
            ).all()
        }
        told = 0
        for person in people:
            if str(person.id) in already:
                continue
            await queue_mail(
                self.session,
                to=person.email,
                subject="Thank you for offering to help Step-Change",
                category="not_placed",
                text=(
                    f"Dear {person.name},\n\nThank you for answering {call.name}. The projects' teams are now "
                    "complete and we have not been able to offer you a place this time. We keep your details for "
                    "future calls, and you can change or withdraw them at any time.\n"
                ),
            )
            await audit.record(
                self.session, actor, "desk.not_placed_told", subject_type="volunteer", subject_id=person.id
            )
            told += 1
        return told
