"""Ethics rules: reviewing declarations, reclassifying them, and projects' commercial-advantage reviews;
who may decide (and who is recused) is :mod:`stepchange.ethics.recusal`'s.

Declaration text never reaches the audit trail: reviews record the state change and only the names of
the reason and mitigation; reclassifications record kind and project codes, which are not secret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, select

from stepchange.core import audit, clock
from stepchange.core.audit import AuditEntry
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import text_problem
from stepchange.ethics.facts import TEAM_FACTS
from stepchange.ethics.models import (
    CLEARING,
    ConflictKind,
    Declaration,
    DeclarationOutcome,
    DeclarationReview,
    ProjectOutcome,
    ProjectReview,
    Recusal,
    ReviewState,
    latest_project_review,
)
from stepchange.ethics.recusal import UNINVOLVED, Standing, own_organisation, recuse, require_reviewer, standing
from stepchange.people.facts import INTEREST_FACTS, ChoiceFact
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.projects.services import ProjectService

REASON_LIMIT = 2000
TEXT_LIMIT = 5000
OTHERS_SHOWN = 50
"""A person's other declarations shown beside one under review (more would be a register, not a page)."""
RECLASSIFIED = "ethics.declaration_reclassified"


def waiting_days(declared_at: dt.datetime, until: dt.datetime | None = None) -> int:
    """Whole days (UK calendar) from declaring until a decision, or until today while it waits."""
    return (clock.uk_day(until or clock.now()) - clock.uk_day(declared_at)).days


def decision_problems(
    outcome: DeclarationOutcome | ProjectOutcome | None, reason: str, extra: str = ""
) -> list[FieldError]:
    """Every problem with a decision, in the order its form asks: the outcome, the mitigation (a managed
    declaration) or conditions (a project cleared with conditions) it reveals, then the reason."""
    problems: list[FieldError | None] = [FieldError("outcome", "Choose an outcome")] if outcome is None else []
    if outcome is DeclarationOutcome.MANAGED:
        problems.append(
            text_problem(extra, "mitigation", label="how the conflict will be managed", max_length=TEXT_LIMIT)
        )
    elif outcome is ProjectOutcome.CLEARED_WITH_CONDITIONS:
        problems.append(text_problem(extra, "conditions", label="the conditions of clearance", max_length=TEXT_LIMIT))
    problems.append(text_problem(reason, "reason", label="the reason for this decision", max_length=REASON_LIMIT))
    return [p for p in problems if p is not None]


@dataclass
class DeclarationView:
    """A declaration with its person, the projects it names and, for the detail page, its history."""

    declaration: Declaration
    volunteer: Volunteer
    latest: DeclarationReview | None = None
    reviews: Sequence[DeclarationReview] = ()
    recusals: Sequence[Recusal] = ()
    reclassifications: Sequence[AuditEntry] = ()
    standing: Standing = UNINVOLVED
    """Where the person viewing it stands (see :mod:`stepchange.ethics.recusal`)."""

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.declaration.projects]

    @property
    def timeline(self) -> list[tuple[dt.datetime, str, object]]:
        """Reviews, reclassifications and recusals in the order they happened."""
        events: list[tuple[dt.datetime, str, object]] = [(r.created_at, "review", r) for r in self.reviews]
        events += [(e.created_at, "reclassification", e) for e in self.reclassifications]
        events += [(r.created_at, "recusal", r) for r in self.recusals]
        return sorted(events, key=lambda event: event[0])

    @property
    def waiting_days(self) -> int:
        decided = self.latest.created_at if self.latest and self.declaration.state != ReviewState.PENDING else None
        return waiting_days(self.declaration.created_at, decided)


@dataclass
class ProjectClearance:
    """A project with the review that counts now."""

    project: Project
    review: ProjectReview | None

    @property
    def cleared(self) -> bool:
        return self.review is not None and self.review.outcome in CLEARING


# --- declarations -----------------------------------------------------------------------------------


class DeclarationRepository(SQLAlchemyAsyncRepository[Declaration]):
    model_type = Declaration


class ConflictService(DomainService[Declaration, DeclarationRepository]):
    """The ethics reviewers' queue of declarations, their decisions and reclassifications."""

    repository_type = DeclarationRepository

    async def queue(
        self, *, state: ReviewState | None, volunteer_id: UUID | None, limit: int, offset: int
    ) -> tuple[list[DeclarationView], int]:
        """Declarations oldest first (the longest waiting at the top), with each one's latest decision."""
        filters: list[ColumnElement[bool]] = []
        if state is not None:
            filters.append(Declaration.state == state)
        if volunteer_id is not None:
            filters.append(Declaration.volunteer_id == volunteer_id)
        total = await self.count(*filters)
        rows = await self.session.execute(
            select(Declaration, Volunteer)
            .join(Volunteer, Declaration.volunteer_id == Volunteer.id)
            .where(*filters)
            .order_by(Declaration.created_at, Declaration.id)
            .limit(limit)
            .offset(offset)
        )
        views = [DeclarationView(d, v) for d, v in rows.all()]
        latest = await self._latest_reviews([v.declaration.id for v in views])
        for view in views:
            view.latest = latest.get(view.declaration.id)
        return views, total

    async def _latest_reviews(self, ids: Sequence[UUID]) -> dict[UUID, DeclarationReview]:
        reviews = await self.session.scalars(
            select(DeclarationReview)
            .where(DeclarationReview.declaration_id.in_(ids))
            .order_by(DeclarationReview.created_at, DeclarationReview.id)
        )
        return {r.declaration_id: r for r in reviews.all()}

    async def _found(self, declaration_id: UUID) -> tuple[Declaration, Volunteer]:
        row = (
            await self.session.execute(
                select(Declaration, Volunteer)
                .join(Volunteer, Declaration.volunteer_id == Volunteer.id)
                .where(Declaration.id == declaration_id)
            )
        ).first()
        if row is None:
            raise NotFound("declaration", f"id {declaration_id}")
        return row[0], row[1]

    async def one(self, declaration_id: UUID, viewer: Principal | None = None) -> DeclarationView:
        """A declaration with its full history of reviews, recusals and reclassifications (oldest first)."""
        declaration, person = await self._found(declaration_id)
        reviews = (
            await self.session.scalars(
                select(DeclarationReview)
                .where(DeclarationReview.declaration_id == declaration.id)
                .order_by(DeclarationReview.created_at, DeclarationReview.id)
            )
        ).all()
        recusals = (
            await self.session.scalars(
                select(Recusal).where(Recusal.declaration_id == declaration.id).order_by(Recusal.created_at)
            )
        ).all()
        changes = (
            await self.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_id == str(declaration.id), AuditEntry.action == RECLASSIFIED)
                .order_by(AuditEntry.created_at)
            )
        ).all()
        return DeclarationView(
            declaration,
            person,
            latest=reviews[-1] if reviews else None,
            reviews=reviews,
            recusals=recusals,
            reclassifications=changes,
            standing=await self.standing(viewer, declaration, person) if viewer is not None else UNINVOLVED,
        )

    async def beside(self, declaration: Declaration) -> tuple[list[ChoiceFact], list[DeclarationView]]:
        """What a reviewer reads beside a declaration: the person's project choices and their other
        declarations (newest first, at most :data:`OTHERS_SHOWN`)."""
        choices = await INTEREST_FACTS().choices_of(self.session, declaration.volunteer_id)
        others = await self.session.scalars(
            select(Declaration)
            .where(Declaration.volunteer_id == declaration.volunteer_id, Declaration.id != declaration.id)
            .order_by(Declaration.created_at.desc())
            .limit(OTHERS_SHOWN)
        )
        person = await self.session.get_one(Volunteer, declaration.volunteer_id)
        return choices, [DeclarationView(other, person) for other in others.all()]

    async def standing(self, actor: Principal, declaration: Declaration, person: Volunteer) -> Standing:
        """A declaration involves the organisation it names and the declaring person's own."""
        own = await own_organisation(self.session, actor)
        return standing(actor, own, [declaration.organisation, person.organisation])

    async def _refuse_if_involved(self, actor: Principal, declaration: Declaration, person: Volunteer) -> None:
        """Recusal: nobody decides on a declaration that involves their own organisation."""
        if (await self.standing(actor, declaration, person)).involved:
            await recuse(self.session, actor, declaration_id=declaration.id)

    async def review(
        self, actor: Principal, declaration_id: UUID, outcome: DeclarationOutcome, reason: str, mitigation: str = ""
    ) -> DeclarationView:
        """Decide a declaration: always with a reason, with a mitigation when managed; every decision is kept."""
        require_reviewer(actor, "decide declarations")
        declaration, person = await self._found(declaration_id)
        await self._refuse_if_involved(actor, declaration, person)
        if problems := decision_problems(outcome, reason, mitigation):
            raise InvalidInput(problems)
        reason, mitigation = reason.strip(), mitigation.strip() if outcome is DeclarationOutcome.MANAGED else ""
        if outcome is DeclarationOutcome.EXCLUDED and not declaration.projects:
            raise RuleViolation(
                [BrokenRule("no_projects_named", "Name the projects this declaration touches before excluding")]
            )
        previous = declaration.state
        declaration.state = outcome.state
        self.session.add(
            DeclarationReview(
                declaration_id=declaration.id,
                reviewer_id=actor.id,
                reviewer=actor.label,
                outcome=outcome,
                previous_state=previous,
                reason=reason,
                mitigation=mitigation,
            )
        )
        await audit.record(
            self.session,
            actor,
            "ethics.declaration_reviewed",
            subject_type="declaration",
            subject_id=declaration.id,
            summary=f"Declaration reviewed: {previous.value} → {outcome.value}",
            changes={
                **audit.diff({"state": previous}, {"state": declaration.state}),
                **audit.diff({}, {"reason": reason, "mitigation": mitigation}, personal={"reason", "mitigation"}),
            },
        )
        await self.session.flush()
        return await self.one(declaration.id)

    async def reclassify(
        self, actor: Principal, declaration_id: UUID, *, kind: ConflictKind | None, projects: Sequence[str] | None
    ) -> DeclarationView:
        """Change a declaration's kind or projects. A decision stands only for what it was made on: a reviewed
        declaration whose kind or projects change waits for review again."""
        declaration, person = await self._found(declaration_id)
        await self._refuse_if_involved(actor, declaration, person)
        if kind is None and projects is None:
            raise InvalidInput.one("body", "Change the kind or the projects")
        before = {"kind": declaration.kind, "projects": [p.code for p in declaration.projects]}
        if kind is not None:
            declaration.kind = kind
        if projects is not None:
            declaration.projects = await self._projects(projects)
        after = {"kind": declaration.kind, "projects": [p.code for p in declaration.projects]}
        if after == before:
            return await self.one(declaration.id)
        state = declaration.state
        declaration.state = ReviewState.PENDING
        await audit.record(
            self.session,
            actor,
            RECLASSIFIED,
            subject_type="declaration",
            subject_id=declaration.id,
            summary="Declaration reclassified",
            changes=audit.diff({**before, "state": state}, {**after, "state": declaration.state}),
        )
        await self.session.flush()
        return await self.one(declaration.id)

    async def _projects(self, codes: Sequence[str]) -> list[Project]:
        known = {p.code: p for p in (await self.session.scalars(select(Project))).all()}
        errors = [
            FieldError(f"projects[{i}]", f"There is no project with code {code!r}")
            for i, code in enumerate(codes)
            if code.strip().upper() not in known
        ]
        if errors:
            raise InvalidInput(errors)
        chosen = {code.strip().upper() for code in codes}
        return sorted((known[c] for c in chosen), key=lambda p: p.code)


# --- projects' commercial-advantage reviews ---------------------------------------------------------


class ProjectReviewRepository(SQLAlchemyAsyncRepository[ProjectReview]):
    model_type = ProjectReview


class ProjectReviewService(DomainService[ProjectReview, ProjectReviewRepository]):
    """Each project's commercial-advantage review (history kept, latest counts) and its clearance."""

    repository_type = ProjectReviewRepository

    async def overview(self) -> list[tuple[Project, ProjectReview | None]]:
        """Every project in programme order with the review that counts now (if any)."""
        projects, _ = await ProjectService(session=self.session).search(limit=500)
        reviews = await self.session.scalars(select(ProjectReview).order_by(ProjectReview.created_at, ProjectReview.id))
        latest = {r.project_id: r for r in reviews.all()}
        return [(p, latest.get(p.id)) for p in projects]

    async def history(self, code: str) -> tuple[Project, list[ProjectReview], list[Recusal]]:
        """A project with its reviews and recusals, newest first."""
        project = await ProjectService(session=self.session).by_code(code)
        reviews = await self.session.scalars(
            select(ProjectReview)
            .where(ProjectReview.project_id == project.id)
            .order_by(ProjectReview.created_at.desc(), ProjectReview.id.desc())
        )
        recusals = await self.session.scalars(
            select(Recusal).where(Recusal.project_id == project.id).order_by(Recusal.created_at.desc())
        )
        return project, list(reviews.all()), list(recusals.all())

    async def standing(self, actor: Principal, project: Project) -> Standing:
        """A project involves the organisations of the people placed on it and those named in declarations
        touching it."""
        own = await own_organisation(self.session, actor)
        if not own.strip():
            return standing(actor, own, [])
        placed = await TEAM_FACTS().organisations_placed(self.session, project.id)
        declared = await self.session.scalars(
            select(Declaration).where(Declaration.projects.any(Project.id == project.id))
        )
        return standing(actor, own, [*placed, *(d.organisation for d in declared.all())])

    async def review(
        self, actor: Principal, code: str, outcome: ProjectOutcome, reason: str, conditions: str = ""
    ) -> ProjectReview:
        """Record a commercial-advantage review: a reason always, the conditions when cleared with conditions."""
        require_reviewer(actor, "review projects")
        project = await ProjectService(session=self.session).by_code(code)
        if (await self.standing(actor, project)).involved:
            await recuse(self.session, actor, project=project)
        if problems := decision_problems(outcome, reason, conditions):
            raise InvalidInput(problems)
        reason = reason.strip()
        conditions = conditions.strip() if outcome is ProjectOutcome.CLEARED_WITH_CONDITIONS else ""
        previous = await self.session.scalar(latest_project_review(project.id))
        before = {"outcome": previous.outcome, "conditions": previous.conditions} if previous else {}
        review = ProjectReview(
            project_id=project.id,
            outcome=outcome,
            conditions=conditions,
            reason=reason,
            reviewer_id=actor.id,
            reviewer=actor.label,
        )
        self.session.add(review)
        await audit.record(
            self.session,
            actor,
            "ethics.project_reviewed",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code} commercial-advantage review: {outcome.value}",
            changes=audit.diff(before, {"outcome": outcome, "conditions": conditions, "reason": reason}),
        )
        await self.session.flush()
        return review
