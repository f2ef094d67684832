"""The coordination office's desk: who to suggest for a project and why, the staffing gaps and the work
waiting, a project's team as the office and its co-chairs see it, and a kind word to the people a call
could not place.

Offering places, their answers, ending them and replacing a lead belong to
:class:`~stepchange.assignments.services.AssignmentService`: the desk's doors call it, as the assignments
API and page do, so every offer obeys the same rules and has the same consequences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

from sqlalchemy import func, select

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.rules import NOT_OPEN
from stepchange.assignments.services import AssignmentRepository, AssignmentService
from stepchange.core import audit, clock
from stepchange.core.authz import Role, require_runs_workstream
from stepchange.core.errors import NotFound
from stepchange.core.guards import Principal
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.services import DomainService
from stepchange.core.settings import get_settings
from stepchange.desk.balance import Mix, MixChange, change, member, register_parts
from stepchange.ethics.conflicts import cleared_for
from stepchange.ethics.models import CLEARING, Declaration, ProjectReview, ReviewState, latest_project_review
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.identity import RANK
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project
from stepchange.projects.services import ProjectService

UNANSWERED_AFTER = dt.timedelta(days=7)
NOT_PLACED = "not_placed"
NOT_PLACED_TOLD = "desk.not_placed_told"


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
    mix_change: MixChange | None = None

    def sort_key(self) -> tuple[object, ...]:
        """Lead seekers first when a lead is wanted is handled by the caller; then the team's balance (never
        past the organisation limit, then a part, organisation and sector the team lacks), then preference,
        time, trust."""
        balance = (self.mix_change.over_share, self.mix_change.penalty) if self.mix_change else (False, 0)
        return (
            *balance,
            self.rank,
            -self.hours_free,
            -RANK.get(self.volunteer.identity, -1),
            self.volunteer.created_at,
        )


@dataclass(frozen=True)
class Gap:
    project: Project
    lead: bool
    team: int
    review: ProjectReview | None = None
    """The project's latest commercial-advantage review (``None``: not reviewed yet)."""

    @property
    def missing(self) -> int:
        """Places to fill: the wanted team counts its lead, so a project without one needs at least one
        more person even when its team is otherwise full."""
        return max(self.project.wanted_team_size - self.team, 0 if self.lead else 1)


@dataclass(frozen=True)
class TeamMember:
    """A place on the team, and whether its person is cleared for the project (never why not)."""

    assignment: Assignment
    volunteer: Volunteer
    cleared: bool


@dataclass(frozen=True)
class Team:
    """Everyone ever offered a place on the project, oldest offer first, and the mix of those holding one."""

    project: Project
    members: list[TeamMember]
    mix: Mix


@dataclass(frozen=True)
class ProjectDesk:
    """A project's page at the desk: its team and who chose it. Only the office may offer places, so only
    the office sees who cannot be assigned yet (and why); people already on the team are left out of that."""

    team: Team
    office: bool
    suggested: list[Suggestion]
    refused: list[Suggestion]
    review: ProjectReview | None = None
    """The project's latest commercial-advantage review (``None``: not reviewed yet)."""

    @property
    def cleared(self) -> bool:
        return self.review is not None and self.review.outcome in CLEARING


class DeskService(DomainService[Assignment, AssignmentRepository]):
    """The office's daily work, over the assignment rules."""

    repository_type = AssignmentRepository

    @cached_property
    def assignments(self) -> AssignmentService:
        return AssignmentService(session=self.session)

    @cached_property
    def projects(self) -> ProjectService:
        return ProjectService(session=self.session)

    # --- a project's team -------------------------------------------------------------------------------

    async def team(self, actor: Principal, code: str) -> Team:
        """The project's team, for the office and the co-chairs of its own work-stream only."""
        project = await self.projects.by_code(code)
        require_runs_workstream(actor, project.workstream_id, "see this project's team")
        members = [
            TeamMember(assignment, person, await cleared_for(self.session, person.id, project))
            for assignment, person in await self.assignments.team_of(project)
        ]
        holding = [m.volunteer for m in members if m.assignment.status in ACTIVE]
        parts = await register_parts(self.session, (v.organisation for v in holding))
        return Team(project, members, Mix.of([member(v, parts) for v in holding]))

    async def project_desk(self, actor: Principal, code: str, limit_percent: int | None = None) -> ProjectDesk:
        """What the desk's project page shows this member of staff."""
        team = await self.team(actor, code)
        office = actor.role == Role.COORDINATOR
        suggested, refused = await self.suggestions(code, limit_percent)
        on_team = {m.volunteer.id for m in team.members if m.assignment.status in ACTIVE}
        refused = [s for s in refused if s.volunteer.id not in on_team] if office else []
        review = await self.session.scalar(latest_project_review(team.project.id))
        return ProjectDesk(team, office, suggested, refused, review)

    # --- suggestions, gaps and the work waiting ---------------------------------------------------------

    async def suggestions(
        self, code: str, limit_percent: int | None = None
    ) -> tuple[list[Suggestion], list[Suggestion]]:
        """People who chose the project: those who may be offered a place, best first, and those who may not,
        each with the reason. A lead is suggested first while the project has none; then those who balance
        the team best (see :mod:`stepchange.desk.balance`), each with how they would change its mix."""
        limit = limit_percent or get_settings().team_max_share_percent
        project = await self.projects.by_code(code)
        team = [(a, v) for a, v in await self.assignments.team_of(project) if a.status in ACTIVE]
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
        parts = await register_parts(
            self.session, {v.organisation for _, v in team} | {p.organisation for p, _, _ in best.values()}
        )
        mix = Mix.of([member(v, parts) for _, v in team])
        suggested: list[Suggestion] = []
        refused: list[Suggestion] = []
        for person, rank, role in best.values():
            suggestion = await self._suggestion(person, project, rank, role, team_companies)
            suggestion.mix_change = change(mix, member(person, parts), limit, project.wanted_team_size)
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
        hours_free = person.hours_per_month - await self.assignments.hours_taken(person.id)
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
        projects = (await self.session.scalars(select(Project).where(Project.status.not_in(NOT_OPEN)))).all()
        gaps = []
        for project in projects:
            team = [a for a, _ in await self.assignments.team_of(project) if a.status in ACTIVE]
            lead = any(a.role is AssignmentRole.LEAD and a.status is AssignmentStatus.ACCEPTED for a in team)
            review = await self.session.scalar(latest_project_review(project.id))
            gaps.append(Gap(project, lead, len(team), review))
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
        cutoff = (now or clock.now()) - UNANSWERED_AFTER
        rows = await self.session.execute(
            select(Assignment, Volunteer, Project)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .join(Project, Assignment.project_id == Project.id)
            .where(Assignment.status == AssignmentStatus.OFFERED, Assignment.created_at < cutoff)
            .order_by(Assignment.created_at)
        )
        return [(a, v, p) for a, v, p in rows.all()]

    async def finish_call(self, actor: Principal, call_id: UUID) -> int:
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
                await self.session.scalars(select(audit.AuditEntry).where(audit.AuditEntry.action == NOT_PLACED_TOLD))
            ).all()
        }
        told = 0
        for person in people:
            if str(person.id) in already:
                continue
            await queue_templated_mail(
                self.session, "not_placed", to=person.email, category=NOT_PLACED, person=person, call=call.name
            )
            await audit.record(self.session, actor, NOT_PLACED_TOLD, subject_type="volunteer", subject_id=person.id)
            told += 1
        return told
