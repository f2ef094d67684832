"""The pages a volunteer changes their record on: choices (the form's own selects), contact details, a new
e-mail address (confirmed from that address), a new declaration, and "Are you sure?" before withdrawing or
asking for erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from stepchange.core.errors import FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.forms import Form, FormRefusal, field, fields, form_errors, refusal_status
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.ethics.models import ConflictKind
from stepchange.interest.calls import CallService
from stepchange.interest.deps import provide_calls
from stepchange.interest.forms import CHOICE_SLOTS
from stepchange.interest.models import ChoiceRole
from stepchange.interest.pages_flow import KINDS
from stepchange.interest.pages_links import link_problem
from stepchange.interest.schemas import ChoiceIn, DeclarationIn
from stepchange.volunteers.confirm import confirmation
from stepchange.volunteers.contact import (
    Contact,
    ask_to_change_email,
    change_contact,
    confirm_email_change,
    email_change_for,
)
from stepchange.volunteers.deps import me, provide_self_service, volunteer_only
from stepchange.volunteers.record_view import record_view
from stepchange.volunteers.services import SelfService

CONTACT_FIELDS = ("name", "phone", "organisation", "job_title")


def _choices(form: dict[str, Any]) -> list[ChoiceIn]:
    out = []
    for slot in range(CHOICE_SLOTS):
        code = field(form, f"choices[{slot}].project")
        role = "lead" if field(form, f"choices[{slot}].role") == "lead" else "member"
        if code:
            out.append(ChoiceIn(project=code[:8], rank=slot + 1, role=ChoiceRole(role)))
    return out


def _hours(form: dict[str, Any]) -> int:
    value = field(form, "hours_per_month")
    if not value:
        raise InvalidInput.one("hours_per_month", "Enter the hours you can offer a month")
    if not value.isdigit():
        raise InvalidInput.one("hours_per_month", "Enter the hours you can offer a month as a number, like 8")
    return int(value[:4])


def _choice_anchor(error_field: str) -> str:
    return "choices[0].project" if error_field == "choices" else error_field.replace(".rank", ".project")


class RecordPages(Controller):
    path = "/my"
    include_in_schema = False
    dependencies = {"service": Provide(provide_self_service), "calls": Provide(provide_calls)}

    # --- choices ----------------------------------------------------------------------------------

    async def _choices_page(
        self,
        request: Request[Any, Any, Any],
        service: SelfService,
        calls: CallService,
        call_id: UUID,
        *,
        values: dict[str, Any] | None = None,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        record = await record_view(service, await service.me(me(request)))
        expression = next((e for e in record.expressions if e.call_id == call_id), None)
        if expression is None:
            raise NotFound("expression of interest", "for that call")
        if values is None:
            values = {"hours_per_month": str(expression.hours_per_month)}
            for slot, choice in enumerate(expression.choices[:CHOICE_SLOTS]):
                values[f"choices[{slot}].project"], values[f"choices[{slot}].role"] = choice.code, choice.role
        call = await calls.by_id(call_id)
        context = {
            "expression": expression,
            "projects": sorted(call.projects, key=lambda p: p.programme_order),
            "values": values,
            "errors": errors or [],
        }
        return Template("my/choices.html", context=context, status_code=status_code)

    @get("/choices/{call_id:uuid}", name="my_choices", guards=[volunteer_only])
    async def choices(
        self,
        request: Request[Any, Any, Any],
        service: NamedDependency[SelfService],
        calls: NamedDependency[CallService],
        call_id: FromPath[UUID],
    ) -> Template:
        return await self._choices_page(request, service, calls, call_id)

    @post("/choices/{call_id:uuid}", guards=[volunteer_only])
    async def change_choices(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        service: NamedDependency[SelfService],
        calls: NamedDependency[CallService],
        call_id: FromPath[UUID],
    ) -> Template | Redirect:
        values = {k: field(data, k)[:8] for k in data if k.startswith("choices[")} | {
            "hours_per_month": field(data, "hours_per_month")[:4]
        }
        errors: list[FieldError] = []
        try:
            hours = _hours(data)
        except InvalidInput as exc:
            errors, hours = exc.errors, 0
        try:
            person = await service.me(me(request))
            await service.change_choices(person, call_id, _choices(data), hours)
            if errors:
                raise InvalidInput(errors)
        except FormRefusal as exc:
            await service.session.rollback()
            found = {e.field: e for e in [*form_errors(exc, "choices[0].project"), *errors]}
            shown = [
                FieldError(
                    "choices[0].project" if e.field == "choices" else e.field.replace(".rank", ".project"), e.message
                )
                for e in found.values()
            ]
            status = refusal_status(exc)
            return await self._choices_page(
                request, service, calls, call_id, values=values, errors=shown, status_code=status
            )
        return see_other("/my/record?done=choices")

    # --- contact details --------------------------------------------------------------------------

    @get("/details", name="my_details", guards=[volunteer_only])
    async def details(self, request: Request[Any, Any, Any], service: NamedDependency[SelfService]) -> Template:
        person = await service.me(me(request))
        values = {name: getattr(person, name) for name in CONTACT_FIELDS} | {"email": ""}
        return Template("my/details.html", context={"values": values, "current": person.email, "errors": []})

    @post("/details", guards=[volunteer_only])
    async def change_details(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        service: NamedDependency[SelfService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        """The details change at once; a new address is e-mailed a link and replaces the old one when used."""
        person = await service.me(me(request))
        current = person.email
        values = {name: field(data, name)[:300] for name in (*CONTACT_FIELDS, "email")}
        errors: list[FieldError] = []
        try:
            await change_contact(service.session, person, Contact(*(values[n] for n in CONTACT_FIELDS)))
        except InvalidInput as exc:
            errors += exc.errors
        new_email = None
        if values["email"] and not errors:
            try:
                new_email = await ask_to_change_email(service.session, person, values["email"], settings)
            except InvalidInput as exc:
                errors += exc.errors
        if errors:
            await service.session.rollback()
            context = {"values": values, "current": current, "errors": errors}
            return Template("my/details.html", context=context, status_code=HTTP_400_BAD_REQUEST)
        if new_email:
            request.set_session({**dict(request.session), "my_new_email": new_email})
            return see_other("/my/record?done=email")
        return see_other("/my/record?done=details")

    @get("/email/{token:str}", name="my_email")
    async def email_page(self, service: NamedDependency[SelfService], token: FromPath[str]) -> Template:
        try:
            new = await email_change_for(service.session, token)
        except (NotFound, RuleViolation) as exc:
            return link_problem(exc, what="sign-in", again="/my")
        return Template("my/email.html", context={"token": token, "email": new})

    @post("/email/{token:str}")
    async def confirm_email(self, service: NamedDependency[SelfService], token: FromPath[str]) -> Template:
        try:
            new = await confirm_email_change(service.session, token)
        except (NotFound, RuleViolation) as exc:
            await service.session.rollback()
            if isinstance(exc, RuleViolation) and exc.rules[0].rule == "email_taken":
                return Template("my/email.html", context={"token": "", "email": "", "refused": exc.rules[0].message})
            return link_problem(exc, what="sign-in", again="/my")
        return Template("my/email_changed.html", context={"email": new})

    # --- declaring, and "Are you sure?" -------------------------------------------------------------

    @get("/declare", name="my_declare", guards=[volunteer_only])
    async def declare_page(self, calls: NamedDependency[CallService]) -> Template:
        return await self._declare(calls, {}, [])

    async def _declare(
        self, calls: CallService, values: dict[str, Any], errors: list[FieldError], status_code: int = 200
    ) -> Template:
        call = await calls.open_call() or await calls.latest()
        projects = sorted(call.projects, key=lambda p: p.programme_order) if call else []
        context = {"values": values, "errors": errors, "kinds": KINDS, "projects": projects}
        return Template("my/declare.html", context=context, status_code=status_code)

    @post("/declare", guards=[volunteer_only])
    async def declare(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        service: NamedDependency[SelfService],
        calls: NamedDependency[CallService],
    ) -> Template | Redirect:
        values: dict[str, Any] = {k: field(data, k)[:5000] for k in ("kind", "description", "organisation")}
        codes = [c[:8] for c in fields(data, "projects")[:40]]
        values["projects"] = codes
        kind = next((k for k, *_ in KINDS if k.value == values["kind"]), None)
        errors = [] if kind is not None else [FieldError("kind", "Select the kind of interest")]
        try:
            declaration = DeclarationIn(
                kind=kind or ConflictKind.PERSONAL,  # checked as if personal, so every field is named at once
                description=values["description"],
                organisation=values["organisation"][:200],
                projects=codes,
            )
            await service.add_declaration(await service.me(me(request)), declaration)
            if errors:
                raise InvalidInput([])
        except FormRefusal as exc:
            await service.session.rollback()
            seen = {e.field for e in errors}
            errors += [e for e in form_errors(exc, "description") if e.field not in seen]
            return await self._declare(calls, values, errors, HTTP_400_BAD_REQUEST)
        return see_other("/my/record?done=declare")

    @get("/confirm/{page:str}", name="my_confirm", guards=[volunteer_only])
    async def confirm(self, page: FromPath[str], call: FromQuery[str] = "", project: FromQuery[str] = "") -> Template:
        said = confirmation(page, project.strip().upper()[:8])
        if said is None:
            raise NotFound("page", page[:40])
        context = {"said": said, "call": call[:40], "project": project.strip().upper()[:8]}
        return Template("my/confirm.html", context=context)
