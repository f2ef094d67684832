"""Maturity self-assessment: the latest against the previous, recording one, and signing it off; and the
matrix itself (read by staff, added to by the office)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stepchange.core.authz import Role
from stepchange.core.forms import Form, date_as_typed, field, form_date
from stepchange.core.guards import current_principal, signed_in
from stepchange.governance.deps import GOVERNANCE, GovernanceServices, acting
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit
from stepchange.governance.partnership_models import LEVELS, MaturityAssessment
from stepchange.governance.partnership_schemas import AreaIn, AssessmentIn, RatingIn
from stepchange.governance.services.maturity import movements


class MaturityPages(Controller):
    """A work-stream's maturity self-assessments."""

    @get("/maturity", name="maturity")
    async def maturity(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        principal = current_principal(request)
        workstream, latest, previous, drafts = await governance.maturity.assessments(principal, code)
        areas = await governance.maturity.areas(principal)
        return page(
            request,
            "maturity",
            workstream,
            latest=latest,
            previous=previous,
            drafts=drafts,
            movements=movements(areas, latest, previous),
            latest_ratings={r.area_id: r for r in latest.ratings} if latest else {},
        )

    @get("/maturity/new", name="new_assessment")
    async def new(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._new(request, governance, code)

    async def _new(
        self, request: Request[Any, Any, Any], governance: GovernanceServices, code: str, shown: Shown = FRESH
    ) -> Template:
        principal = current_principal(request)
        workstream = await governance.maturity.for_runners(principal, code, "record its maturity self-assessment")
        _, latest, _, _ = await governance.maturity.assessments(principal, code)
        return page(
            request,
            "maturity_new",
            workstream,
            shown,
            areas=await governance.maturity.areas(principal),
            levels=LEVELS,
            last={r.area_id: r.level for r in latest.ratings} if latest else {},
        )

    @post("/maturity")
    async def record(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        principal = acting(request)
        areas = await governance.maturity.areas(principal)
        values: dict[str, Any] = {"assessed_on": date_as_typed(data, "assessed_on")}
        for i in range(len(areas)):
            for part in ("level", "evidence", "next_step"):
                values[f"ratings-{i}-{part}"] = field(data, f"ratings-{i}-{part}")

        async def change() -> MaturityAssessment:
            ratings = [
                RatingIn(
                    area_id=area.id,
                    level=int(level) if (level := values[f"ratings-{i}-level"]).isdigit() else None,
                    evidence=values[f"ratings-{i}-evidence"],
                    next_step=values[f"ratings-{i}-next_step"],
                )
                for i, area in enumerate(areas)
            ]
            assessed_on = form_date(data, "assessed_on", "The date of the assessment")
            return await governance.maturity.record(principal, code, AssessmentIn(assessed_on, ratings))

        async def again(shown: Shown) -> Template:
            return await self._new(request, governance, code, shown)

        def done(assessment: MaturityAssessment) -> str:
            return f"{governance_path(code)}/maturity/{assessment.id}?done=recorded"

        return await submit(governance, change, done, again, values)

    @get("/maturity/{assessment_id:uuid}", name="assessment")
    async def assessment(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        assessment_id: FromPath[UUID],
    ) -> Template:
        return await self._assessment(request, governance, code, assessment_id)

    async def _assessment(
        self,
        request: Request[Any, Any, Any],
        governance: GovernanceServices,
        code: str,
        assessment_id: UUID,
        shown: Shown = FRESH,
    ) -> Template:
        principal = current_principal(request)
        assessment = await governance.maturity.assessment(principal, code, assessment_id)
        workstream = await governance.maturity.workstream(code)
        areas = {a.id: a for a in await governance.maturity.areas(principal, everything=True)}
        co_chair = (
            principal is not None and principal.role == Role.CO_CHAIR and principal.workstream_id == workstream.id
        )
        return page(request, "assessment", workstream, shown, assessment=assessment, areas=areas, may_sign=co_chair)

    @post("/maturity/{assessment_id:uuid}/sign-off")
    async def sign_off(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        assessment_id: FromPath[UUID],
    ) -> Template | Redirect:
        async def change() -> object:
            return await governance.maturity.sign_off(acting(request), code, assessment_id)

        async def again(shown: Shown) -> Template:
            return await self._assessment(request, governance, code, assessment_id, shown)

        return await submit(governance, change, f"{governance_path(code)}/maturity?done=signed", again)


class MatrixPages(Controller):
    """The maturity matrix every work-stream assesses itself against; the office adds areas here."""

    path = "/maturity-matrix"
    include_in_schema = False
    guards = [signed_in]
    dependencies = GOVERNANCE

    @get("/", name="maturity_matrix")
    async def matrix(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices]
    ) -> Template:
        return await self._matrix(request, governance)

    async def _matrix(
        self, request: Request[Any, Any, Any], governance: GovernanceServices, shown: Shown = FRESH
    ) -> Template:
        principal = current_principal(request)
        return Template(
            "workstreams/maturity_matrix.html",
            context={
                "areas": await governance.maturity.areas(principal),
                "levels": LEVELS,
                "office": principal is not None and principal.role == Role.COORDINATOR,
                "errors": shown.errors,
                "values": shown.values,
                "done": request.query_params.get("done"),
            },
            status_code=shown.status_code,
        )

    @post("/")
    async def add(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], data: Form
    ) -> Template | Redirect:
        values = {name: field(data, name) for name in ("key", "title", *(f"descriptors-{i}" for i in range(5)))}

        async def change() -> object:
            area = AreaIn(values["key"], values["title"], [values[f"descriptors-{i}"] for i in range(5)])
            return await governance.maturity.add_area(acting(request), area)

        async def again(shown: Shown) -> Template:
            return await self._matrix(request, governance, shown)

        return await submit(governance, change, "/maturity-matrix?done=added", again, values)
