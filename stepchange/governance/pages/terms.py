"""Terms of reference: members read them and acknowledge the current version; those who run the work-stream
draft the next version and publish it."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stepchange.core.errors import FieldError
from stepchange.core.forms import Form, field, form_uuid
from stepchange.core.guards import current_principal
from stepchange.governance.deps import GovernanceServices, acting
from stepchange.governance.pages.common import FRESH, Shown, governance_path, page, submit
from stepchange.governance.partnership_models import Cadence, Terms
from stepchange.governance.partnership_schemas import TermsIn
from stepchange.governance.services.terms import SECTION_LABELS, SECTIONS

TEXT_FIELDS = (*SECTIONS, "cadence", "standing_items")


def values_of(terms: Terms | None) -> dict[str, str]:
    if terms is None:
        return {}
    return {
        **{s: getattr(terms, s) for s in SECTIONS},
        "cadence": terms.cadence.value,
        "standing_items": terms.standing_items,
    }


class TermsPages(Controller):
    """The terms of reference, their draft, and acknowledgements."""

    @get("/terms", name="terms")
    async def terms(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._terms(request, governance, code)

    async def _terms(
        self, request: Request[Any, Any, Any], governance: GovernanceServices, code: str, shown: Shown = FRESH
    ) -> Template:
        principal = current_principal(request)
        workstream, published, draft = await governance.terms.view(principal, code)
        lines = await governance.terms.acknowledgements(workstream, published)
        own = await governance.terms.own_member_id(principal, workstream)
        return page(
            request,
            "terms",
            workstream,
            shown,
            terms=published,
            draft=draft,
            lines=lines,
            waiting=sum(1 for line in lines if line.acknowledgement is None),
            own=next((line for line in lines if line.member.id == own), None),
            off_cadence=await governance.terms.off_cadence(workstream, published),
            labels=SECTION_LABELS,
            sections=SECTIONS,
        )

    @get("/terms/edit", name="terms_edit")
    async def edit(
        self, request: Request[Any, Any, Any], governance: NamedDependency[GovernanceServices], code: FromPath[str]
    ) -> Template:
        return await self._edit(request, governance, code)

    async def _edit(
        self, request: Request[Any, Any, Any], governance: GovernanceServices, code: str, shown: Shown = FRESH
    ) -> Template:
        principal = current_principal(request)
        workstream = await governance.terms.for_runners(principal, code, "draft its terms of reference")
        draft, published = await governance.terms.draft(workstream), await governance.terms.current(workstream)
        values = shown.values or values_of(draft or published)
        return page(
            request,
            "terms_edit",
            workstream,
            Shown(shown.errors, shown.status_code, values),
            draft=draft,
            published=published,
            cadences=list(Cadence),
            labels=SECTION_LABELS,
        )

    @post("/terms/edit")
    async def save(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        values = {name: str(data.get(name, "")).strip() for name in TEXT_FIELDS}

        async def change() -> object:
            cadence = values["cadence"] if values["cadence"] in {c.value for c in Cadence} else None
            terms = TermsIn(
                **{s: values[s] for s in SECTIONS},
                cadence=Cadence(cadence) if cadence else None,
                standing_items=values["standing_items"].splitlines(),
            )
            return await governance.terms.save_draft(acting(request), code, terms)

        async def again(shown: Shown) -> Template:
            errors = [  # a standing item's error links to the one box they are typed in
                FieldError("standing_items", e.message) if e.field.startswith("standing_items[") else e
                for e in shown.errors
            ]
            return await self._edit(request, governance, code, dataclasses.replace(shown, errors=errors))

        return await submit(governance, change, f"{governance_path(code)}/terms?done=drafted", again, values)

    @post("/terms/publish")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        version = field(data, "version")

        async def change() -> object:
            return await governance.terms.publish(acting(request), code, int(version) if version.isdigit() else 0)

        async def again(shown: Shown) -> Template:
            return await self._terms(request, governance, code, shown)

        return await submit(governance, change, f"{governance_path(code)}/terms?done=published", again)

    @post("/terms/acknowledge")
    async def acknowledge(
        self,
        request: Request[Any, Any, Any],
        governance: NamedDependency[GovernanceServices],
        code: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        member_id = form_uuid(field(data, "member_id"))

        async def change() -> object:
            return await governance.terms.acknowledge(acting(request), code, member_id)

        async def again(shown: Shown) -> Template:
            return await self._terms(request, governance, code, shown)

        done = "recorded" if member_id else "acknowledged"
        return await submit(governance, change, f"{governance_path(code)}/terms?done={done}", again)
