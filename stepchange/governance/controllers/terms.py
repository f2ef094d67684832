"""The API of the terms of reference: members read them and acknowledge the current version; those who run
the work-stream draft and publish."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from stepchange.accounts.guards import office_or_co_chair
from stepchange.core.guards import current_principal
from stepchange.governance.controllers.common import out
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.partnership_models import Terms
from stepchange.governance.partnership_schemas import (
    AcknowledgeIn,
    AcknowledgementOut,
    OffCadenceOut,
    PublishIn,
    TermsIn,
    TermsOut,
    TermsView,
)


def terms_out(terms: Terms | None, code: str) -> TermsOut | None:
    return None if terms is None else out(TermsOut, terms, workstream=code, standing_items=terms.standing_list)


async def terms_view(governance: GovernanceServices, principal: Any, code: str) -> TermsView:
    """The published version, the draft (for those who run it), who has acknowledged, meetings off cadence."""
    workstream, published, draft = await governance.terms.view(principal, code)
    lines = await governance.terms.acknowledgements(workstream, published)
    acks = [
        AcknowledgementOut(
            member_id=line.member.id,
            name=line.member.name,
            organisation=line.member.organisation,
            acknowledged_at=line.acknowledgement.acknowledged_at if line.acknowledgement else None,
            recorded_by=line.acknowledgement.recorded_by if line.acknowledgement else "",
        )
        for line in lines
    ]
    off = await governance.terms.off_cadence(workstream, published)
    return TermsView(
        published=terms_out(published, workstream.code),
        draft=terms_out(draft, workstream.code),
        acknowledgements=acks,
        not_acknowledged=sum(1 for a in acks if a.acknowledged_at is None),
        off_cadence=[
            OffCadenceOut(o.meeting.id, o.meeting.title, o.meeting.starts_at, o.days_since_previous) for o in off
        ],
    )


class TermsController(Controller):
    """A work-stream's terms of reference: versions, the draft, acknowledgements."""

    @get("/terms", summary="The terms of reference: the published version, who has acknowledged it, any draft")
    async def terms(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> TermsView:
        return await terms_view(governance, current_principal(request), code)

    @get("/terms/versions", summary="Every published version, the newest first")
    async def versions(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> list[TermsOut]:
        found = await governance.terms.versions(current_principal(request), code)
        return [out(TermsOut, t, workstream=code.upper(), standing_items=t.standing_list) for t in found]

    @put("/terms/draft", guards=[office_or_co_chair], summary="Write the draft of the next version")
    async def save_draft(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[TermsIn],
    ) -> TermsOut:
        draft = await governance.terms.save_draft(acting(request), code, data)
        return out(TermsOut, draft, workstream=code.upper(), standing_items=draft.standing_list)

    @post(
        "/terms/publish",
        guards=[office_or_co_chair],
        status_code=HTTP_200_OK,
        summary="Publish the draft (send its version): every member is asked to acknowledge it",
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[PublishIn],
    ) -> TermsOut:
        terms = await governance.terms.publish(acting(request), code, data.version)
        return out(TermsOut, terms, workstream=code.upper(), standing_items=terms.standing_list)

    @post(
        "/terms/acknowledge",
        status_code=HTTP_200_OK,
        summary="Acknowledge the current version (as yourself, or for a member if you run the work-stream)",
    )
    async def acknowledge(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: JSONBody[AcknowledgeIn],
    ) -> TermsView:
        await governance.terms.acknowledge(acting(request), code, data.member_id)
        return await terms_view(governance, current_principal(request), code)
