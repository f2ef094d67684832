"""The proposals API: participants propose, the work-stream's co-chairs and the office decide."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.guards import Principal, current_principal, signed_in
from stepchange.core.pagination import Window
from stepchange.projects.proposals import Draft, ProposalService, compare
from stepchange.projects.proposals_deps import provide_proposals
from stepchange.projects.proposals_models import ProposalStatus
from stepchange.projects.proposals_schemas import DecisionIn, ProposalIn, ProposalOut, proposal_out

Proposals = NamedDependency[ProposalService]


def _actor(request: Request[Any, Any, Any]) -> Principal:
    principal = current_principal(request)
    assert principal is not None, "guarded routes always have a principal"
    return principal


class ProposalController(Controller):
    path = "/api/projects/{code:str}/proposals"
    tags = ["Projects"]
    dependencies = {"proposals": Provide(provide_proposals)}

    @post("/", guards=[signed_in], status_code=HTTP_201_CREATED, summary="Propose a change (provisional projects)")
    async def propose(
        self, request: Request[Any, Any, Any], proposals: Proposals, code: FromPath[str], data: JSONBody[ProposalIn]
    ) -> ProposalOut:
        draft = Draft(data.version, data.rationale, data.title, data.action, data.vision)
        proposal = await proposals.propose(_actor(request), code, draft)
        project = await proposals.projects.by_code(code)
        return proposal_out(project.code, project.version, proposal, compare(project, proposal))

    @get("/", guards=[signed_in], summary="Proposals: all for its co-chairs and the office, your own otherwise")
    async def list_proposals(
        self,
        request: Request[Any, Any, Any],
        proposals: Proposals,
        window: NamedDependency[Window],
        code: FromPath[str],
        status: Annotated[ProposalStatus | None, QueryParameter(description="open, accepted or rejected")] = None,
    ) -> OffsetPagination[ProposalOut]:
        project, found, total = await proposals.for_project(
            _actor(request), code, status=status, limit=window.limit, offset=window.offset
        )
        items = [proposal_out(project.code, project.version, p, compare(project, p)) for p in found]
        return window.page(items, total)

    @get("/{proposal_id:uuid}", guards=[signed_in], summary="One proposal beside the current text")
    async def get_proposal(
        self, request: Request[Any, Any, Any], proposals: Proposals, code: FromPath[str], proposal_id: FromPath[UUID]
    ) -> ProposalOut:
        project, proposal = await proposals.one(_actor(request), code, proposal_id)
        return proposal_out(project.code, project.version, proposal, compare(project, proposal))

    @post(
        "/{proposal_id:uuid}/decision",
        guards=[office_or_co_chair],
        status_code=HTTP_200_OK,
        summary="Accept (a new version; a stale one → 409) or refuse with a reason",
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        proposals: Proposals,
        code: FromPath[str],
        proposal_id: FromPath[UUID],
        data: JSONBody[DecisionIn],
    ) -> ProposalOut:
        proposal = await proposals.decide(
            _actor(request), code, proposal_id, ProposalStatus(data.decision), data.reason
        )
        project = await proposals.projects.by_code(code)
        return proposal_out(project.code, project.version, proposal, compare(project, proposal))
