"""The assignments API: the programme office offers places on projects, under the rules."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.assignments.clearance import TeamClearance, team_clearance
from stepchange.assignments.deps import offer_as_asked, provide_assignments
from stepchange.assignments.models import AssignmentRole
from stepchange.assignments.schemas import (
    AssignmentBrief,
    AssignmentOut,
    ClearanceOut,
    EligibilityOut,
    OfferIn,
    PersonClearanceOut,
    RuleOut,
    assignment_out,
)
from stepchange.assignments.services import AssignmentService
from stepchange.core.authz import StaffRole
from stepchange.core.guards import requires_role
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings


class AssignmentController(Controller):
    path = "/api/assignments"
    tags = ["Assignments"]
    guards = [coordinator_only]
    dependencies = {"assignments": Provide(provide_assignments)}

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Offer a place on a project, e-mailed to the person (409 names every rule it breaks)",
    )
    async def offer(
        self,
        request: Request[Any, Any, Any],
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        data: JSONBody[OfferIn],
    ) -> AssignmentOut:
        return await offer_as_asked(assignments, acting_staff(request), data, settings)

    @get("/", summary="Assignments, newest first, optionally of one project or one person")
    async def list_assignments(
        self,
        assignments: NamedDependency[AssignmentService],
        window: NamedDependency[Window],
        project: Annotated[str | None, QueryParameter(max_length=8, description="A project code")] = None,
        volunteer_id: Annotated[UUID | None, QueryParameter(description="One person")] = None,
    ) -> OffsetPagination[AssignmentOut]:
        found, total = await assignments.search(
            project_code=project, volunteer_id=volunteer_id, limit=window.limit, offset=window.offset
        )
        return window.page([assignment_out(p) for p in found], total)

    @get("/eligibility", summary="Could this person be offered this place? Every rule in the way, without refusing")
    async def eligibility(
        self,
        assignments: NamedDependency[AssignmentService],
        volunteer_id: Annotated[UUID, QueryParameter(description="The person")],
        project: Annotated[str, QueryParameter(max_length=8, description="A project code")],
        role: Annotated[AssignmentRole, QueryParameter(description="lead or member")] = AssignmentRole.MEMBER,
    ) -> EligibilityOut:
        person = await assignments.volunteer(volunteer_id)
        place = await assignments.project(project)
        broken = await assignments.eligibility(person, place, role)
        return EligibilityOut(
            volunteer_id=person.id,
            project=place.code,
            role=role,
            eligible=not broken,
            rules=[RuleOut(rule=r.rule, message=r.message) for r in broken],
        )

    @get("/{assignment_id:uuid}", summary="One assignment")
    async def get_assignment(
        self, assignments: NamedDependency[AssignmentService], assignment_id: FromPath[UUID]
    ) -> AssignmentOut:
        return assignment_out(await assignments.one(assignment_id))


def clearance_out(found: TeamClearance) -> ClearanceOut:
    return ClearanceOut(
        project=found.project_clearance.project.code,
        ethics_cleared=found.project_clearance.cleared,
        outcome=found.project_clearance.review.outcome if found.project_clearance.review else None,
        conditions=found.project_clearance.review.conditions if found.project_clearance.review else "",
        people=[
            PersonClearanceOut(
                volunteer_id=p.volunteer.id,
                name=p.volunteer.name,
                organisation=p.volunteer.organisation,
                interested_as=p.interested_as,
                assignment=AssignmentBrief(role=p.assignment.role, status=p.assignment.status)
                if p.assignment
                else None,
                cleared_for_this_project=p.cleared,
            )
            for p in found.people
        ],
    )


clearance_readers = requires_role(StaffRole.ETHICS, StaffRole.COORDINATOR, StaffRole.CO_CHAIR)


class ClearanceController(Controller):
    path = "/api"
    tags = ["Ethics"]

    @get(
        "/projects/{code:str}/clearance",
        guards=[clearance_readers],
        summary="Who is cleared for this project (co-chairs: their own work-stream's); never a declaration",
    )
    async def clearance(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> ClearanceOut:
        return clearance_out(await team_clearance(db_session, acting_staff(request), code))
