"""The API of the maturity matrix (the office's) and of each work-stream's self-assessments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.authz import StaffRole
from stepchange.core.guards import current_principal, requires_role
from stepchange.governance.controllers.common import TAGS, out
from stepchange.governance.deps import GOVERNANCE, GovernanceServices, acting
from stepchange.governance.partnership_models import MaturityArea, MaturityAssessment
from stepchange.governance.partnership_schemas import (
    AreaChangeIn,
    AreaIn,
    AreaOut,
    AssessmentIn,
    AssessmentOut,
    MaturityView,
    MovementOut,
    RatingOut,
)
from stepchange.governance.services.maturity import movements


def area_out(area: MaturityArea) -> AreaOut:
    return out(AreaOut, area, descriptors=area.descriptors)


def assessment_out(assessment: MaturityAssessment, code: str, titles: dict[UUID, str]) -> AssessmentOut:
    ratings = [
        RatingOut(r.area_id, titles.get(r.area_id, ""), r.level, r.evidence, r.next_step) for r in assessment.ratings
    ]
    return out(AssessmentOut, assessment, workstream=code.upper(), ratings=ratings)


class MaturityController(Controller):
    """A work-stream's maturity self-assessments: recorded by those who run it, signed off by a co-chair."""

    @get("/maturity", summary="The latest signed-off self-assessment against the previous one, and any drafts")
    async def maturity(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> MaturityView:
        principal = current_principal(request)
        _, latest, previous, drafts = await governance.maturity.assessments(principal, code)
        areas = await governance.maturity.areas(principal, everything=True)
        titles = {a.id: a.title for a in areas}
        active = [a for a in areas if a.active]
        return MaturityView(
            latest=assessment_out(latest, code, titles) if latest else None,
            previous=assessment_out(previous, code, titles) if previous else None,
            movements=[
                MovementOut(m.area.title, m.level, m.previous, m.change) for m in movements(active, latest, previous)
            ],
            drafts=[assessment_out(d, code, titles) for d in drafts],
        )

    @post("/maturity", guards=[office_or_co_chair], summary="Record a self-assessment (a draft until signed off)")
    async def record(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[AssessmentIn],
    ) -> AssessmentOut:
        actor = acting(request)
        assessment = await governance.maturity.record(actor, code, data)
        titles = {a.id: a.title for a in await governance.maturity.areas(actor, everything=True)}
        return assessment_out(assessment, code, titles)

    @get("/maturity/{assessment_id:uuid}", summary="One self-assessment")
    async def assessment(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        assessment_id: FromPath[UUID],
    ) -> AssessmentOut:
        principal = current_principal(request)
        assessment = await governance.maturity.assessment(principal, code, assessment_id)
        titles = {a.id: a.title for a in await governance.maturity.areas(principal, everything=True)}
        return assessment_out(assessment, code, titles)

    @post(
        "/maturity/{assessment_id:uuid}/sign-off",
        guards=[requires_role(StaffRole.CO_CHAIR)],
        status_code=HTTP_200_OK,
        summary="Sign the self-assessment off (the work-stream's co-chairs only)",
    )
    async def sign_off(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        assessment_id: FromPath[UUID],
    ) -> AssessmentOut:
        actor = acting(request)
        assessment = await governance.maturity.sign_off(actor, code, assessment_id)
        titles = {a.id: a.title for a in await governance.maturity.areas(actor, everything=True)}
        return assessment_out(assessment, code, titles)


class MaturityMatrixController(Controller):
    """The maturity matrix: read by staff, defined by the programme office."""

    path = "/api/maturity/areas"
    tags = TAGS
    dependencies = GOVERNANCE
    guards = [requires_role(*StaffRole)]

    @get("/", summary="The matrix's areas, each described at levels 1 to 5")
    async def areas(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices]
    ) -> list[AreaOut]:
        return [area_out(a) for a in await governance.maturity.areas(current_principal(request), everything=True)]

    @post("/", guards=[requires_role(StaffRole.COORDINATOR)], summary="Add an area (the office)")
    async def add(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], data: JSONBody[AreaIn]
    ) -> AreaOut:
        return area_out(await governance.maturity.add_area(acting(request), data))

    @patch(
        "/{area_id:uuid}",
        guards=[requires_role(StaffRole.COORDINATOR)],
        summary="Change or retire an area (the office)",
    )
    async def change(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        area_id: FromPath[UUID],
        data: JSONBody[AreaChangeIn],
    ) -> AreaOut:
        return area_out(await governance.maturity.change_area(acting(request), area_id, data))
