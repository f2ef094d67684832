"""The ethics API: the declarations queue and decisions, and projects' commercial-advantage reviews."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from stepchange.accounts.guards import acting_staff, any_staff
from stepchange.core.pagination import Window
from stepchange.ethics.deps import (
    ethics_only,
    ethics_or_office,
    provide_conflicts,
    provide_project_reviews,
    queue_state,
)
from stepchange.ethics.models import ProjectReview
from stepchange.ethics.schemas import (
    ConflictDetailOut,
    ConflictOut,
    ProjectReviewIn,
    ProjectReviewOut,
    ProjectReviewSummaryOut,
    ReclassificationOut,
    ReclassifyIn,
    RecusalOut,
    ReviewIn,
    ReviewOut,
)
from stepchange.ethics.services import (
    ConflictService,
    DeclarationView,
    ProjectClearance,
    ProjectReviewService,
)


def conflict_out(view: DeclarationView) -> ConflictOut:
    declaration, latest = view.declaration, view.latest
    return ConflictOut(
        id=declaration.id,
        volunteer_id=view.volunteer.id,
        volunteer=view.volunteer.name,
        volunteer_organisation=view.volunteer.organisation,
        kind=declaration.kind,
        organisation=declaration.organisation,
        description=declaration.description,
        projects=view.codes,
        state=declaration.state,
        declared_at=declaration.created_at,
        withdrawn_at=declaration.withdrawn_at,
        waiting_days=view.waiting_days,
        reason=latest.reason if latest else None,
        mitigation=latest.mitigation if latest else None,
        reviewed_at=latest.created_at if latest else None,
    )


def conflict_detail(view: DeclarationView) -> ConflictDetailOut:
    summary = conflict_out(view)
    return ConflictDetailOut(
        **{f: getattr(summary, f) for f in summary.__struct_fields__},
        reviews=[
            ReviewOut(
                id=r.id,
                outcome=r.outcome,
                previous_state=r.previous_state,
                reason=r.reason,
                mitigation=r.mitigation,
                reviewer=r.reviewer,
                at=r.created_at,
            )
            for r in view.reviews
        ],
        recusals=[RecusalOut(reviewer=r.reviewer, reason=r.reason, at=r.created_at) for r in view.recusals],
        reclassifications=[
            ReclassificationOut(by=e.actor_label, at=e.created_at, changes=e.changes) for e in view.reclassifications
        ],
    )


def project_review_out(code: str, review: ProjectReview) -> ProjectReviewOut:
    return ProjectReviewOut(
        id=review.id,
        project=code,
        outcome=review.outcome,
        conditions=review.conditions,
        reason=review.reason,
        reviewer=review.reviewer,
        at=review.created_at,
    )


class ConflictController(Controller):
    path = "/api/conflicts"
    tags = ["Ethics"]
    guards = [ethics_or_office]
    dependencies = {"conflicts": Provide(provide_conflicts)}

    @get("/", summary="The review queue: declarations oldest first, with how long each has waited")
    async def queue(
        self,
        conflicts: NamedDependency[ConflictService],
        window: NamedDependency[Window],
        wanted: Annotated[
            str, QueryParameter(name="state", max_length=20, description="A review state, or all")
        ] = "pending",
        volunteer_id: Annotated[UUID | None, QueryParameter(description="One person's declarations")] = None,
    ) -> OffsetPagination[ConflictOut]:
        views, total = await conflicts.queue(
            state=queue_state(wanted), volunteer_id=volunteer_id, limit=window.limit, offset=window.offset
        )
        return window.page([conflict_out(v) for v in views], total)

    @get("/{declaration_id:uuid}", summary="One declaration with its full history")
    async def get_conflict(
        self, conflicts: NamedDependency[ConflictService], declaration_id: FromPath[UUID]
    ) -> ConflictDetailOut:
        return conflict_detail(await conflicts.one(declaration_id))

    @post(
        "/{declaration_id:uuid}/review",
        guards=[ethics_only],
        status_code=HTTP_201_CREATED,
        summary="Decide a declaration: no_conflict, managed (with a mitigation) or excluded; always with a reason",
    )
    async def review(
        self,
        request: Request[Any, Any, Any],
        conflicts: NamedDependency[ConflictService],
        declaration_id: FromPath[UUID],
        data: JSONBody[ReviewIn],
    ) -> ConflictDetailOut:
        view = await conflicts.review(acting_staff(request), declaration_id, data.outcome, data.reason, data.mitigation)
        return conflict_detail(view)

    @patch("/{declaration_id:uuid}", summary="Reclassify a declaration's kind or projects")
    async def reclassify(
        self,
        request: Request[Any, Any, Any],
        conflicts: NamedDependency[ConflictService],
        declaration_id: FromPath[UUID],
        data: JSONBody[ReclassifyIn],
    ) -> ConflictDetailOut:
        view = await conflicts.reclassify(acting_staff(request), declaration_id, kind=data.kind, projects=data.projects)
        return conflict_detail(view)


class ProjectReviewController(Controller):
    path = "/api"
    tags = ["Ethics"]
    dependencies = {"reviews": Provide(provide_project_reviews)}

    @get("/project-reviews", guards=[any_staff], summary="Every project with the review that counts now")
    async def overview(
        self, reviews: NamedDependency[ProjectReviewService], window: NamedDependency[Window]
    ) -> OffsetPagination[ProjectReviewSummaryOut]:
        return window.slice(
            [
                ProjectReviewSummaryOut(
                    project=p.code,
                    title=p.title,
                    workstream=p.workstream.code,
                    status=p.status.value,
                    cleared=ProjectClearance(p, r).cleared,
                    review=project_review_out(p.code, r) if r else None,
                )
                for p, r in await reviews.overview()
            ]
        )

    @get("/projects/{code:str}/ethics-reviews", guards=[any_staff], summary="A project's reviews, newest first")
    async def history(
        self, reviews: NamedDependency[ProjectReviewService], window: NamedDependency[Window], code: FromPath[str]
    ) -> OffsetPagination[ProjectReviewOut]:
        project, found, _ = await reviews.history(code)
        return window.slice([project_review_out(project.code, r) for r in found])

    @post(
        "/projects/{code:str}/ethics-reviews",
        guards=[ethics_only],
        status_code=HTTP_201_CREATED,
        summary="Review a project: cleared, cleared_with_conditions (with the conditions) or blocked",
    )
    async def review(
        self,
        request: Request[Any, Any, Any],
        reviews: NamedDependency[ProjectReviewService],
        code: FromPath[str],
        data: JSONBody[ProjectReviewIn],
    ) -> ProjectReviewOut:
        review = await reviews.review(acting_staff(request), code, data.outcome, data.reason, data.conditions)
        return project_review_out(code.strip().upper(), review)
