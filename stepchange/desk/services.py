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

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import defer

from stepchange.assignments.models import ACTIVE, Assignment, AssignmentRole, AssignmentStatus
from stepchange.assignments.rules import NOT_OPEN
from stepchange.assignments.services import AssignmentRepository, AssignmentService
from stepchange.core import audit, clock
from stepchange.core.authz import Role, require_runs_workstream
from stepchange.core.errors import NotFound
from stepchange.core.guards import Principal
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.pagination import Window
from stepchange.core.services import DomainService
from stepchange.core.settings import get_settings
from stepchange.desk.balance import Mix, MixChange, classified_parts, member_of
from stepchange.desk.ordering import ranked_lists
from stepchange.desk.ranking import Ranked, Ranker, rank_key
from stepchange.desk.roster import Team, team_page
from stepchange.ethics.models import CLEARING, Declaration, ProjectReview, ReviewState, latest_project_review
from stepchange.interest.models import Call, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Volunteer
from stepchange.people.tally import awaiting_validation_count
from stepchange.projects.models import Project
from stepchange.projects.services import ProjectService

UNANSWERED_AFTER = dt.timedelta(days=7)
UNANSWERED_SHOWN = 20
"""The desk lists this many of the offers waiting longest, and counts the rest."""
FIRST = Window(limit=100, offset=0)
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
        """Lead seekers first when a lead is wanted is handled by the caller; then :func:`rank_key`."""
        return rank_key(self.mix_change, self.rank, self.hours_free, self.volunteer.identity, self.volunteer.created_at)


def conflict_state(states: set[ReviewState]) -> str:
    """A person's declarations in one word for the desk: the most serious state among them."""
    return (
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


@dataclass(frozen=True)
class Suggestions:
    """A page of each of the desk's two lists for a project, and how many people each holds."""

    suggested: list[Suggestion]
    refused: list[Suggestion]
    suggested_total: int
    refused_total: int


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
class ProjectDesk:
    """A project's page at the desk: its team and who chose it. Only the office may offer places, so only
    the office sees who cannot be assigned yet (and why); people already on the team are left out of that."""

    team: Team
    office: bool
    suggested: list[Suggestion]
    refused: list[Suggestion]
    review: ProjectReview | None = None
    """The project's latest commercial-advantage review (``None``: not reviewed yet)."""
    suggested_total: int = 0
    refused_total: int = 0

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

    async def team(self, actor: Principal, code: str, window: Window = FIRST) -> Team:
        """A page of the project's team, for the office and the co-chairs of its own work-stream only (see
        :mod:`stepchange.desk.roster`)."""
        return await team_page(self.session, await self.team_project(actor, code), window)

    async def team_project(self, actor: Principal, code: str) -> Project:
        """The project whose team this member of staff asks to see: the office's, or its own co-chairs'."""
        project = await self.projects.by_code(code)
        require_runs_workstream(actor, project.workstream_id, "see this project's team")
        return project

    async def project_desk(
        self,
        actor: Principal,
        code: str,
        limit_percent: int | None = None,
        window: Window = FIRST,
        team_window: Window = FIRST,
    ) -> ProjectDesk:
        """What the desk's project page shows this member of staff: a page of each list and their sizes."""
        team = await self.team(actor, code, team_window)
        office = actor.role == Role.COORDINATOR
        found = await self.suggestions(code, limit_percent, window, without_team=True)
        review = await self.session.scalar(latest_project_review(team.project.id))
        refused, refused_total = (found.refused, found.refused_total) if office else ([], 0)
        return ProjectDesk(team, office, found.suggested, refused, review, found.suggested_total, refused_total)

    # --- suggestions, gaps and the work waiting ---------------------------------------------------------

    async def suggestions(
        self, code: str, limit_percent: int | None = None, window: Window = FIRST, *, without_team: bool = False
    ) -> Suggestions:
        """People who chose the project: a page of those who may be offered a place, best first, and of those
        who may not, each with the reason, and how many there are of each. A lead is suggested first while
        the project has none; then those who balance the team best (see :mod:`stepchange.desk.balance`),
        each with how they would change its mix. ``without_team`` leaves out of those who may not be offered
        a place the people already holding one. Ordered in the database by the rules' answers per kind of
        person: the statements do not grow with the people, nor the objects built (see
        :mod:`stepchange.desk.ordering`)."""
        limit = limit_percent or get_settings().team_max_share_percent
        project = await self.projects.by_code(code)
        team = await self._holding(project)
        parts = await classified_parts(self.session)
        ranker = Ranker(
            project=project,
            mix=Mix.counted((member_of(organisation, sector, parts), count) for organisation, sector, count, _ in team),
            share_limit=limit,
            parts=parts,
            blocking={},  # the page's people's: ranked_lists fills these in (see stepchange.desk.ordering)
            hours={},
            team=set(),
            lead_taken=any(lead for _, _, _, lead in team),
        )
        lists = await ranked_lists(self.session, ranker, window, without_team=without_team)
        team_companies = {organisation.strip().lower() for organisation, _, _, _ in team}
        found = await self._suggestions(project, [*lists.suggested, *lists.refused], team_companies)
        return Suggestions(
            suggested=found[: len(lists.suggested)],
            refused=found[len(lists.suggested) :],
            suggested_total=lists.suggested_total,
            refused_total=lists.refused_total,
        )

    async def _holding(self, project: Project) -> list[tuple[str, str, int, bool]]:
        """The people holding a place on the project, counted by organisation and sector, and whether one of
        them is the lead (one grouped query: a team of thousands is a few hundred rows)."""
        lead = func.max(case((Assignment.role == AssignmentRole.LEAD, 1), else_=0))
        rows = await self.session.execute(
            select(Volunteer.organisation, Volunteer.sector, func.count(), lead)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .where(Assignment.project_id == project.id, Assignment.status.in_(ACTIVE))
            .group_by(Volunteer.organisation, Volunteer.sector)
        )
        return [(organisation, sector, int(count), bool(led)) for organisation, sector, count, led in rows.all()]

    async def _suggestions(
        self, project: Project, page: Sequence[Ranked], team_companies: set[str]
    ) -> list[Suggestion]:
        """The page's people as the desk shows them: their records, declarations' state and places held,
        one query each for the whole page."""
        people = [r.chooser.volunteer_id for r in page]  # bounded by the page's size
        loaded = select(Volunteer).where(Volunteer.id.in_(people)).options(defer(Volunteer.phone, raiseload=True))
        records = {v.id: v for v in (await self.session.scalars(loaded)).all()}
        states: dict[UUID, set[ReviewState]] = {}
        for volunteer_id, state in (
            await self.session.execute(
                select(Declaration.volunteer_id, Declaration.state).where(Declaration.volunteer_id.in_(people))
            )
        ).all():
            states.setdefault(volunteer_id, set()).add(state)
        held: dict[UUID, list[str]] = {}
        for volunteer_id, held_code in (
            await self.session.execute(
                select(Assignment.volunteer_id, Project.code)
                .join(Project, Assignment.project_id == Project.id)
                .where(Assignment.volunteer_id.in_(people), Assignment.status.in_(ACTIVE))
                .order_by(Assignment.created_at)
            )
        ).all():
            held.setdefault(volunteer_id, []).append(held_code)
        return [
            Suggestion(
                volunteer=records[r.chooser.volunteer_id],
                rank=r.chooser.rank,
                role_sought=r.chooser.role,
                hours_free=r.hours_free,
                conflict_state=conflict_state(states.get(r.chooser.volunteer_id, set())),
                projects_held=held.get(r.chooser.volunteer_id, []),
                same_company_as_team=r.chooser.organisation.strip().lower() in team_companies,
                refused_because=r.refused_because,
                mix_change=r.mix_change,
            )
            for r in page
        ]

    async def gaps(self) -> list[Gap]:
        """Open projects by how far they are from a full team with a lead, biggest gap first: one query for
        the projects, one for their teams counted, one for their reviews."""
        projects = (await self.session.scalars(select(Project).where(Project.status.not_in(NOT_OPEN)))).all()
        lead = and_(Assignment.role == AssignmentRole.LEAD, Assignment.status == AssignmentStatus.ACCEPTED)
        counted = await self.session.execute(
            select(Assignment.project_id, func.count(), func.max(case((lead, 1), else_=0)))
            .where(Assignment.status.in_(ACTIVE))
            .group_by(Assignment.project_id)
        )
        teams = {project_id: (int(size), bool(has_lead)) for project_id, size, has_lead in counted.all()}
        reviews = await self._latest_reviews()
        gaps = [
            Gap(p, teams.get(p.id, (0, False))[1], teams.get(p.id, (0, False))[0], reviews.get(p.id)) for p in projects
        ]
        return sorted(gaps, key=lambda g: (-g.missing, g.project.programme_order))

    async def _latest_reviews(self) -> dict[UUID, ProjectReview]:
        """Each project's latest commercial-advantage review (the order of :func:`latest_project_review`)."""
        reviews = await self.session.scalars(
            select(ProjectReview).order_by(ProjectReview.created_at.desc(), ProjectReview.id.desc())
        )
        latest: dict[UUID, ProjectReview] = {}
        for review in reviews.all():
            latest.setdefault(review.project_id, review)
        return latest

    async def awaiting_validation(self) -> int:
        """How many people are waiting for the office to validate them (kept by the database as people
        change: ``people.tally``)."""
        return await awaiting_validation_count(self.session)

    async def awaiting_review(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(Declaration).where(Declaration.state == ReviewState.PENDING)
            )
            or 0
        )

    async def unanswered_count(self, now: dt.datetime | None = None) -> int:
        """How many offers have waited more than a week for an answer."""
        cutoff = (now or clock.now()) - UNANSWERED_AFTER
        query = select(func.count()).where(
            Assignment.status == AssignmentStatus.OFFERED, Assignment.created_at < cutoff
        )
        return int(await self.session.scalar(query) or 0)

    async def unanswered_offers(
        self, now: dt.datetime | None = None, limit: int = UNANSWERED_SHOWN
    ) -> list[tuple[Assignment, Volunteer, Project]]:
        """The offers waiting longest for an answer (more than a week), oldest first, at most ``limit``."""
        cutoff = (now or clock.now()) - UNANSWERED_AFTER
        rows = await self.session.execute(
            select(Assignment, Volunteer, Project)
            .join(Volunteer, Assignment.volunteer_id == Volunteer.id)
            .join(Project, Assignment.project_id == Project.id)
            .where(Assignment.status == AssignmentStatus.OFFERED, Assignment.created_at < cutoff)
            .order_by(Assignment.created_at)
            .limit(limit)
            .options(defer(Volunteer.phone, raiseload=True))
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
