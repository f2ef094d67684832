"""Self-service pages: ask for a sign-in link, sign in, and manage my record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.errors import FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.exports import json_download
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.links import check_link
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.sessions import end_session, start_session
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.ethics.models import ConflictKind
from stepchange.interest.forms import CHOICE_SLOTS
from stepchange.interest.models import ChoiceRole
from stepchange.interest.pages_links import address_problem, link_problem
from stepchange.interest.schemas import ChoiceIn, DeclarationIn
from stepchange.volunteers.confirm import CONFIRMED_FIRST, confirm_address
from stepchange.volunteers.deps import (
    VOLUNTEER_SESSION,
    link_after_response,
    me,
    provide_self_service,
    volunteer_only,
)
from stepchange.volunteers.record_view import record_view
from stepchange.volunteers.services import MY_DATA_FILE, SIGN_IN, SelfService


def _choices(form: dict[str, Any]) -> list[ChoiceIn]:
    choices = []
    for slot in range(CHOICE_SLOTS):
        code = field(form, f"choices[{slot}].project")
        role = "lead" if field(form, f"choices[{slot}].role") == "lead" else "member"
        if code:
            choices.append(ChoiceIn(project=code[:8], rank=slot + 1, role=ChoiceRole(role)))
    return choices


def _hours(form: dict[str, Any]) -> int:
    value = field(form, "hours_per_month")
    if not value.isdigit():
        raise InvalidInput.one("hours_per_month", "Enter the hours you can offer a month as a number, like 8")
    return int(value)


def _declaration(form: dict[str, Any]) -> DeclarationIn:
    kind = field(form, "kind")
    if kind not in {k.value for k in ConflictKind}:
        raise InvalidInput.one("kind", "Choose what kind of interest it is")
    codes = [c.strip().upper()[:8] for c in field(form, "projects").replace(";", ",").split(",") if c.strip()]
    return DeclarationIn(
        kind=ConflictKind(kind),
        description=field(form, "description")[:5000],
        organisation=field(form, "organisation")[:200],
        projects=codes[:40],
    )


class SelfServicePages(Controller):
    path = "/my"
    include_in_schema = False
    dependencies = {"service": Provide(provide_self_service)}

    @get("/", name="my_sign_in")
    async def start(self, request: Request[Any, Any, Any], sent: FromQuery[bool] = False) -> Template:
        email = _session(request).get(SENT_TO) if sent else None
        return Template("my/start.html", context={"errors": [], "sent": sent, "email": email})

    @post("/", opt={PUBLIC_RATE_LIMIT: True})
    async def request_link(
        self, request: Request[Any, Any, Any], data: Form, settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        """The same answer, in the same time, for any address: the look-up and the e-mail come after it."""
        email = field(data, "email")[:320]
        if errors := address_problem(email):
            context = {"errors": errors, "sent": False, "email": email}
            return Template("my/start.html", context=context, status_code=400)
        request.set_session({**_session(request), SENT_TO: email})
        answer = see_other("/my?sent=true")
        answer.background = link_after_response(request, email, settings)
        return answer

    @get("/sign-in/{token:str}", name="my_link")
    async def link(self, db_session: NamedDependency[AsyncSession], token: FromPath[str]) -> Template:
        """Opening the link shows a button: mail scanners that follow links sign nobody in."""
        try:
            await check_link(db_session, SIGN_IN, token[:200])
        except (NotFound, RuleViolation) as exc:
            return link_problem(exc, what="sign-in", again="/my")
        return Template("my/link.html", context={"token": token})

    @post("/sign-in/{token:str}")
    async def sign_in(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService], token: FromPath[str]
    ) -> Template | Redirect:
        try:
            person = await service.sign_in(token)
        except (NotFound, RuleViolation) as exc:
            await service.session.rollback()
            return link_problem(exc, what="sign-in", again="/my")
        start_session(request, VOLUNTEER_SESSION, person.id, 0)
        return see_other("/my/record")

    @post("/sign-out")
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        end_session(request)
        return see_other("/")

    @get("/record", name="my_record", guards=[volunteer_only])
    async def record(
        self, request: Request[Any, Any, Any], service: NamedDependency[SelfService], done: FromQuery[str | None] = None
    ) -> Template:
        return await self._record(request, service, done=done)

    async def _record(
        self,
        request: Request[Any, Any, Any],
        service: SelfService,
        *,
        errors: list[FieldError] | None = None,
        done: str | None = None,
        status_code: int = 200,
    ) -> Template:
        person = await service.me(me(request))
        context = {"record": await record_view(service, person), "errors": errors or [], "done": done}
        return Template("my/record.html", context=context, status_code=status_code)

    @get("/data", name="my_data", guards=[volunteer_only])
    async def data(self, request: Request[Any, Any, Any], service: NamedDependency[SelfService]) -> Response[Any]:
        """Everything held about me, as a file to save (subject access)."""
        return json_download(await service.export(await service.me(me(request))), MY_DATA_FILE)

    @post("/record", guards=[volunteer_only])
    async def change(
        self, request: Request[Any, Any, Any], data: Form, service: NamedDependency[SelfService]
    ) -> Template | Redirect:
        """Each form on my record says what it does: change choices, withdraw, declare, ask for erasure. Withdrawing
        and asking for erasure first ask "Are you sure?" on a page of their own."""
        action = field(data, "action")
        if action in CONFIRMED_FIRST and field(data, "confirmed") != "yes":
            return see_other(confirm_address(action, data))
        try:
            person = await service.me(me(request))
            if action == "choices":
                await service.change_choices(person, _uuid(data, "call"), _choices(data), _hours(data))
            elif action == "withdraw_project":
                await service.withdraw_from_project(person, _uuid(data, "call"), field(data, "project"))
            elif action == "withdraw_all":
                await service.withdraw_from_programme(person)
            elif action == "declare":
                await service.add_declaration(person, _declaration(data))
            elif action == "withdraw_declaration":
                await service.withdraw_declaration(person, _uuid(data, "declaration"))
            elif action == "erasure":
                await service.request_erasure(person)
            else:
                raise InvalidInput.one("action", "Choose what to do")
        except FormRefusal as exc:
            await service.session.rollback()
            return await self._record(
                request, service, errors=form_errors(exc, "form"), status_code=refusal_status(exc)
            )
        return see_other(f"/my/record?done={action}")


SENT_TO = "my_link_sent_to"


def _session(request: Request[Any, Any, Any]) -> dict[str, Any]:
    session = request.scope.get("session")
    return dict(session) if isinstance(session, dict) else {}


def _uuid(form: dict[str, Any], name: str) -> UUID:
    try:
        return UUID(field(form, name))
    except ValueError:
        raise InvalidInput.one(name, "Reload the page and try again") from None
