"""Proposal pages: "Suggest a change" for participants, the comparison of current and proposed text, the
list of a project's proposals and the co-chairs' decision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.authz import runs_workstream
from stepchange.core.errors import FieldError, InvalidInput, StaleVersion
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.guards import Principal, current_principal, signed_in
from stepchange.core.web import see_other
from stepchange.projects.models import Project
from stepchange.projects.proposals import DECISIONS, FIELDS, LABELS, Draft, ProposalService, compare
from stepchange.projects.proposals_deps import provide_proposals
from stepchange.projects.proposals_models import ProposalStatus

PAGE = 20
Proposals = NamedDependency[ProposalService]


def _actor(request: Request[Any, Any, Any]) -> Principal:
    principal = current_principal(request)
    assert principal is not None, "guarded routes always have a principal"
    return principal


def _version(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput.one("title", "Reload the page and make your suggestion again")
    return int(value)


def _values(project: Project) -> dict[str, str]:
    return {**{f: getattr(project, f) for f in FIELDS}, "rationale": "", "version": str(project.version)}


class ProposalPages(Controller):
    path = "/projects/{code:str}/proposals"
    include_in_schema = False
    dependencies = {"proposals": Provide(provide_proposals)}

    @get("/new", name="suggest_change", guards=[signed_in])
    async def new_form(self, request: Request[Any, Any, Any], proposals: Proposals, code: FromPath[str]) -> Template:
        project = await proposals.projects.by_code(code)
        await proposals.proposer(_actor(request), project)
        return self._form(project, _values(project), [])

    @staticmethod
    def _form(project: Project, values: dict[str, str], errors: list[FieldError], status_code: int = 200) -> Template:
        context = {"project": project, "values": values, "errors": errors, "labels": LABELS}
        return Template("projects/proposal_new.html", context=context, status_code=status_code)

    @post("/new", guards=[signed_in])
    async def propose(
        self, request: Request[Any, Any, Any], data: Form, proposals: Proposals, code: FromPath[str]
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in (*FIELDS, "rationale", "version")}
        try:
            draft = Draft(_version(values["version"]), values["rationale"], *(values[f] for f in FIELDS))
            proposal = await proposals.propose(_actor(request), code, draft)
        except FormRefusal as exc:
            await proposals.session.rollback()
            project = await proposals.projects.by_code(code)
            if isinstance(exc, StaleVersion):
                values["version"] = str(project.version)  # theirs is shown on the project page; yours is kept
            return self._form(project, values, form_errors(exc, "title"), refusal_status(exc))
        return see_other(f"/projects/{code.upper()}/proposals/{proposal.id}?done=proposed")

    @get("/", name="project_proposals", guards=[signed_in])
    async def index(
        self,
        request: Request[Any, Any, Any],
        proposals: Proposals,
        code: FromPath[str],
        offset: FromQuery[int] = 0,
    ) -> Template:
        offset = max(0, min(offset, 1_000_000))
        project, found, total = await proposals.for_project(_actor(request), code, limit=PAGE, offset=offset)
        context = {
            "project": project,
            "proposals": found,
            "total": total,
            "offset": offset,
            "page": PAGE,
            "may_decide": runs_workstream(_actor(request), project.workstream_id),
        }
        return Template("projects/proposals.html", context=context)

    @get("/{proposal_id:uuid}", name="project_proposal", guards=[signed_in])
    async def detail(
        self,
        request: Request[Any, Any, Any],
        proposals: Proposals,
        code: FromPath[str],
        proposal_id: FromPath[UUID],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._detail(request, proposals, code, proposal_id, done=done)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        proposals: ProposalService,
        code: str,
        proposal_id: UUID,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        done: str | None = None,
        stale: bool = False,
        status_code: int = 200,
    ) -> Template:
        project, proposal = await proposals.one(_actor(request), code, proposal_id)
        context = {
            "project": project,
            "proposal": proposal,
            "comparison": compare(project, proposal),
            "may_decide": runs_workstream(_actor(request), project.workstream_id)
            and proposal.status == ProposalStatus.OPEN,
            "decisions": DECISIONS,
            "errors": errors or [],
            "values": values or {},
            "done": done,
            "stale": stale,
        }
        return Template("projects/proposal.html", context=context, status_code=status_code)

    @post("/{proposal_id:uuid}/decision", guards=[office_or_co_chair])
    async def decide(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        proposals: Proposals,
        code: FromPath[str],
        proposal_id: FromPath[UUID],
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("decision", "reason")}
        try:
            if values["decision"] not in {d.value for d in DECISIONS}:
                raise InvalidInput.one("decision", "Choose whether to accept or refuse the proposal")
            decision = ProposalStatus(values["decision"])
            await proposals.decide(_actor(request), code, proposal_id, decision, values["reason"])
        except FormRefusal as exc:
            await proposals.session.rollback()
            return await self._detail(
                request,
                proposals,
                code,
                proposal_id,
                errors=form_errors(exc, "decision"),
                values=values,
                stale=isinstance(exc, StaleVersion),
                status_code=refusal_status(exc),
            )
        return see_other(f"/projects/{code.upper()}/proposals/{proposal_id}?done={decision.value}")
