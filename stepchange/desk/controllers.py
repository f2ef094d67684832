"""The desk's API: suggestions, offers under the team rules, answers by link, teams for the office and
co-chairs (never declarations)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from stepchange.accounts.guards import acting_staff, coordinator_only, office_or_co_chair
from stepchange.assignments.deps import offer_as_asked, provide_assignments
from stepchange.assignments.schemas import AssignmentOut, assignment_out
from stepchange.assignments.services import AssignmentService
from stepchange.core.database import app_database_config
from stepchange.core.exports import csv_stream, read_alone
from stepchange.core.pagination import Window
from stepchange.core.settings import Settings
from stepchange.desk.deps import provide_desk
from stepchange.desk.roster import ROSTER_COLUMNS, roster_lines
from stepchange.desk.schemas import (
    DeskOut,
    EndIn,
    GapOut,
    OfferIn,
    ReplaceLeadIn,
    RespondIn,
    SuggestionOut,
    SuggestionsOut,
    TeamOut,
    team_out,
)
from stepchange.desk.services import DeskService, Suggestion


def suggestion_out(s: Suggestion, limit: int) -> SuggestionOut:
    return SuggestionOut(
        volunteer_id=s.volunteer.id,
        name=s.volunteer.name,
        organisation=s.volunteer.organisation,
        sector=s.volunteer.sector,
        identity=s.volunteer.identity.value,
        rank=s.rank,
        role_sought=s.role_sought.value,
        hours_free=s.hours_free,
        conflict_state=s.conflict_state,
        projects_held=s.projects_held,
        same_company_as_team=s.same_company_as_team,
        refused_because=s.refused_because,
        part=s.mix_change.member.part.value if s.mix_change else "",
        over_share_limit=bool(s.mix_change and s.mix_change.over_share),
        mix_change=s.mix_change.describe(limit) if s.mix_change else [],
    )


class DeskController(Controller):
    path = "/api/desk"
    tags = ["Coordination desk"]
    dependencies = {"desk": Provide(provide_desk), "assignments": Provide(provide_assignments)}

    @get("/", guards=[coordinator_only], summary="Projects by staffing gap, and the work waiting")
    async def overview(self, desk: NamedDependency[DeskService]) -> DeskOut:
        gaps = await desk.gaps()
        return DeskOut(
            gaps=[
                GapOut(
                    project=g.project.code,
                    title=g.project.title,
                    status=g.project.status.value,
                    lead_in_place=g.lead,
                    team=g.team,
                    wanted=g.project.wanted_team_size,
                    missing=g.missing,
                )
                for g in gaps
            ],
            awaiting_validation=await desk.awaiting_validation(),
            declarations_awaiting_review=await desk.awaiting_review(),
            unanswered_offers=await desk.unanswered_count(),
        )

    @get("/projects/{code:str}/suggestions", guards=[coordinator_only], summary="Ranked candidates with reasons")
    async def suggestions(
        self,
        desk: NamedDependency[DeskService],
        settings: NamedDependency[Settings],
        window: NamedDependency[Window],
        code: FromPath[str],
    ) -> SuggestionsOut:
        """A page (``limit`` and ``offset``) of each list, best first, with how many people each holds."""
        limit = settings.team_max_share_percent
        found = await desk.suggestions(code, limit, window)
        return SuggestionsOut(
            project=code.upper(),
            suggested=[suggestion_out(s, limit) for s in found.suggested],
            cannot_be_assigned=[suggestion_out(s, limit) for s in found.refused],
            suggested_total=found.suggested_total,
            cannot_be_assigned_total=found.refused_total,
            limit=window.limit,
            offset=window.offset,
        )

    @post("/offers", guards=[coordinator_only], status_code=HTTP_201_CREATED, summary="Offer a place (e-mailed)")
    async def offer(
        self,
        request: Request[Any, Any, Any],
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        data: JSONBody[OfferIn],
    ) -> AssignmentOut:
        return await offer_as_asked(assignments, acting_staff(request), data, settings)

    @post(
        "/assignments/{assignment_id:uuid}/end",
        guards=[coordinator_only],
        status_code=HTTP_200_OK,
        summary="End a place (its history stays)",
    )
    async def end(
        self,
        request: Request[Any, Any, Any],
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        assignment_id: FromPath[UUID],
        data: JSONBody[EndIn],
    ) -> AssignmentOut:
        await assignments.end(acting_staff(request), assignment_id, data.reason, settings)
        return assignment_out(await assignments.one(assignment_id))

    @post(
        "/projects/{code:str}/replace-lead",
        guards=[coordinator_only],
        status_code=HTTP_201_CREATED,
        summary="Replace the lead: end the current lead's place and offer it to someone else",
    )
    async def replace_lead(
        self,
        request: Request[Any, Any, Any],
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        code: FromPath[str],
        data: JSONBody[ReplaceLeadIn],
    ) -> AssignmentOut:
        assignment = await assignments.replace_lead(
            acting_staff(request), code, data.volunteer_id, data.hours, data.reason, settings
        )
        return assignment_out(await assignments.one(assignment.id))

    @post(
        "/calls/{call_id:uuid}/finish",
        guards=[coordinator_only],
        status_code=HTTP_200_OK,
        summary="The call's places are filled: tell the people not placed, kindly",
    )
    async def finish(
        self, request: Request[Any, Any, Any], desk: NamedDependency[DeskService], call_id: FromPath[UUID]
    ) -> dict[str, int]:
        return {"told": await desk.finish_call(acting_staff(request), call_id)}

    @get("/projects/{code:str}/team", guards=[office_or_co_chair], summary="The project's team (co-chairs: own only)")
    async def team(
        self,
        request: Request[Any, Any, Any],
        desk: NamedDependency[DeskService],
        window: NamedDependency[Window],
        code: FromPath[str],
    ) -> TeamOut:
        """A page (``limit`` and ``offset``) of the places, oldest offer first, and the mix of the whole team."""
        return team_out(await desk.team(acting_staff(request), code, window))

    @get(
        "/projects/{code:str}/team.csv",
        guards=[office_or_co_chair],
        summary="The team roster as CSV",
        media_type="text/csv",
    )
    async def team_csv(
        self, request: Request[Any, Any, Any], desk: NamedDependency[DeskService], code: FromPath[str]
    ) -> Stream:
        """Every place ever offered, streamed as it is read (a session of the download's own)."""
        project = await desk.team_project(acting_staff(request), code)
        project_id, project_code = project.id, project.code
        lines = read_alone(app_database_config(request.app), lambda s: roster_lines(s, project_id, project_code))
        return csv_stream(ROSTER_COLUMNS, lines, f"team-{project_code}")


class OfferAnswerController(Controller):
    path = "/api/offers"
    tags = ["Coordination desk"]
    dependencies = {"assignments": Provide(provide_assignments)}

    @post("/respond", status_code=HTTP_200_OK, summary="Accept or decline an offered place with the link's token")
    async def respond(
        self,
        assignments: NamedDependency[AssignmentService],
        settings: NamedDependency[Settings],
        data: JSONBody[RespondIn],
    ) -> dict[str, str]:
        assignment, project = await assignments.respond(data.token, data.accept, settings)
        return {"project": project.code, "status": assignment.status.value, "project_status": project.status.value}
