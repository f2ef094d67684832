"""Staff pages: sign in and out, set a password by link, manage staff, search the audit trail."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.attempts import count_reset_request
from stepchange.accounts.deps import provide_audit_query, provide_staff, reset_in_background
from stepchange.accounts.guards import acting_staff, any_staff, coordinator_only
from stepchange.accounts.mfa import Stage
from stepchange.accounts.services import INVITATION, PASSWORD_RESET, StaffDetails, StaffService
from stepchange.accounts.signin import sign_in
from stepchange.core import audit
from stepchange.core.audit import AuditQuery
from stepchange.core.authz import StaffRole
from stepchange.core.errors import DomainError, FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, form_errors, safe_next
from stepchange.core.links import check_link
from stepchange.core.pagination import Window
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.sessions import end_session
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.workstreams.deps import provide_workstreams
from stepchange.workstreams.services import WorkstreamService

COORDINATOR = [coordinator_only]
ROLE_LABELS = {
    StaffRole.COORDINATOR: "Programme coordination office",
    StaffRole.CO_CHAIR: "Work-stream co-chair",
    StaffRole.ETHICS: "Ethics reviewer",
    StaffRole.BOARD: "Programme board member",
}


def page(
    name: str,
    status_code: int = 200,
    *,
    headers: dict[str, str] | None = None,
    background: BackgroundTask | None = None,
    **context: Any,
) -> Template:
    return Template(
        name,
        context={"role_labels": ROLE_LABELS, **context},
        status_code=status_code,
        headers=headers,
        background=background,
    )


class AccountPages(Controller):
    include_in_schema = False
    dependencies = {"staff": Provide(provide_staff), "workstreams": Provide(provide_workstreams)}

    # --- signing in and out ---------------------------------------------------------------

    @get("/login", name="login")
    async def login_form(
        self, next_: Annotated[str | None, QueryParameter(name="next", max_length=500)] = None
    ) -> Template:
        return page("accounts/login.html", next=safe_next(next_, "/home"), errors=[], email="")

    @post("/login")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        staff: NamedDependency[StaffService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        email, target = field(data, "email"), safe_next(field(data, "next"), "/home")
        missing = [
            FieldError(name, message)
            for name, message in (("email", "Enter your email address"), ("password", "Enter your password"))
            if not field(data, name)
        ]
        if missing:
            return page("accounts/login.html", HTTP_400_BAD_REQUEST, next=target, email=email, errors=missing)
        try:
            step = await sign_in(request, staff, settings, email, str(data.get("password", "")))
        except (NotAuthorizedException, TooManyRequestsException) as exc:
            error = [FieldError("email", str(exc.detail))]
            return page(
                "accounts/login.html", exc.status_code, headers=exc.headers, next=target, email=email, errors=error
            )
        if step.stage is Stage.CODE:
            return see_other(f"/login/code?{urlencode({'next': target})}")
        if step.stage is Stage.ENROL:
            return see_other(f"/account/two-factor/setup?{urlencode({'next': target})}")
        return see_other(target)

    @post("/logout", name="logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        end_session(request)
        return see_other("/")

    @get("/account", name="account", guards=[any_staff])
    async def account(self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService]) -> Template:
        return page("accounts/home.html", user=await staff.by_id(acting_staff(request).id))

    # --- passwords by link ---------------------------------------------------------------

    @get("/account/invitation/{token:str}", name="invitation")
    async def invitation_form(self, db_session: NamedDependency[AsyncSession], token: FromPath[str]) -> Template:
        await check_link(db_session, INVITATION, token[:200])
        return page("accounts/set_password.html", heading="Set your password", errors=[])

    @post("/account/invitation/{token:str}")
    async def accept_invitation(
        self,
        data: Form,
        staff: NamedDependency[StaffService],
        settings: NamedDependency[Settings],
        token: FromPath[str],
    ) -> Template | Redirect:
        return await self._set_password(INVITATION, token, data, staff, settings, "Set your password")

    @get("/account/forgot-password", name="forgot_password")
    async def forgot_form(self) -> Template:
        return page("accounts/forgot.html", errors=[], sent=False)

    @post("/account/forgot-password", opt={PUBLIC_RATE_LIMIT: True})
    async def forgot(
        self, request: Request[Any, Any, Any], data: Form, settings: NamedDependency[Settings]
    ) -> Template:
        email = field(data, "email")[:320]
        if not email:
            return page(
                "accounts/forgot.html",
                HTTP_400_BAD_REQUEST,
                errors=[FieldError("email", "Enter your email address")],
                sent=False,
            )
        try:
            await count_reset_request(request, email)
        except TooManyRequestsException as exc:
            error = [FieldError("email", str(exc.detail))]
            return page("accounts/forgot.html", exc.status_code, errors=error, sent=False, headers=exc.headers)
        return page(
            "accounts/forgot.html", errors=[], sent=True, background=reset_in_background(request, settings, email)
        )

    @get("/account/reset/{token:str}", name="reset_password")
    async def reset_form(self, db_session: NamedDependency[AsyncSession], token: FromPath[str]) -> Template:
        await check_link(db_session, PASSWORD_RESET, token[:200])
        return page("accounts/set_password.html", heading="Choose a new password", errors=[])

    @post("/account/reset/{token:str}")
    async def reset(
        self,
        data: Form,
        staff: NamedDependency[StaffService],
        settings: NamedDependency[Settings],
        token: FromPath[str],
    ) -> Template | Redirect:
        return await self._set_password(PASSWORD_RESET, token, data, staff, settings, "Choose a new password")

    async def _set_password(
        self, purpose: str, token: str, data: Form, staff: StaffService, settings: Settings, heading: str
    ) -> Template | Redirect:
        password = str(data.get("password", ""))
        if password != str(data.get("confirm", "")):
            return page(
                "accounts/set_password.html",
                400,
                heading=heading,
                errors=[FieldError("confirm", "The passwords do not match")],
            )
        try:
            await staff.set_password_by_link(purpose, token, password, settings.password_hash_cost)
        except FormRefusal as exc:
            await staff.repository.session.rollback()
            return page("accounts/set_password.html", 400, heading=heading, errors=form_errors(exc))
        return see_other("/login?done=password")

    # --- staff management (coordinators) ---------------------------------------------------

    @get("/staff", name="staff", guards=COORDINATOR)
    async def staff_list(self, staff: NamedDependency[StaffService]) -> Template:
        return page("accounts/staff.html", people=await staff.roster())

    @get("/staff/invite", name="invite_staff", guards=COORDINATOR)
    async def invite_form(self, workstreams: NamedDependency[WorkstreamService]) -> Template:
        return page(
            "accounts/invite.html",
            errors=[],
            values={},
            roles=list(StaffRole),
            workstreams=await workstreams.in_order(),
        )

    @post("/staff/invite", guards=COORDINATOR)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        staff: NamedDependency[StaffService],
        workstreams: NamedDependency[WorkstreamService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        values = {k: field(data, k) for k in ("email", "name", "role", "workstream", "organisation")}
        try:
            role = StaffRole(values["role"])
        except ValueError:
            role = None
        try:
            if role is None:
                raise _role_missing()
            user = await staff.invite(
                acting_staff(request),
                StaffDetails(
                    values["email"],
                    values["name"],
                    role,
                    values["workstream"] or None,
                    values["organisation"],
                ),
                settings,
            )
        except FormRefusal as exc:
            await staff.repository.session.rollback()
            return page(
                "accounts/invite.html",
                400,
                errors=form_errors(exc),
                values=values,
                roles=list(StaffRole),
                workstreams=await workstreams.in_order(),
            )
        return see_other(f"/staff/{user.id}?done=invited")

    @get("/staff/{user_id:uuid}", name="staff_member", guards=COORDINATOR)
    async def member(
        self,
        staff: NamedDependency[StaffService],
        workstreams: NamedDependency[WorkstreamService],
        user_id: FromPath[UUID],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(
            "accounts/member.html",
            person=await staff.by_id(user_id),
            roles=list(StaffRole),
            workstreams=await workstreams.in_order(),
            errors=[],
            done=done,
        )

    @post("/staff/{user_id:uuid}", guards=COORDINATOR)
    async def change_member(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        staff: NamedDependency[StaffService],
        workstreams: NamedDependency[WorkstreamService],
        user_id: FromPath[UUID],
    ) -> Template | Redirect:
        action = field(data, "action")
        try:
            if action in ("deactivate", "reactivate"):
                await staff.set_active(acting_staff(request), user_id, action == "reactivate")
            elif action == "reset_mfa":
                await staff.reset_second_factor(acting_staff(request), user_id)
            else:
                try:
                    role = StaffRole(field(data, "role"))
                except ValueError:
                    raise _role_missing() from None
                await staff.change(
                    acting_staff(request),
                    user_id,
                    role=role,
                    workstream=field(data, "workstream") if role is StaffRole.CO_CHAIR else "",
                )
        except FormRefusal as exc:
            await staff.repository.session.rollback()
            return page(
                "accounts/member.html",
                400,
                person=await staff.by_id(user_id),
                roles=list(StaffRole),
                workstreams=await workstreams.in_order(),
                errors=form_errors(exc),
                done=None,
            )
        return see_other(f"/staff/{user_id}?done={action or 'changed'}")

    # --- the audit trail ---------------------------------------------------------------------

    @get("/audit", name="audit", guards=COORDINATOR, dependencies={"audit_query": Provide(provide_audit_query)})
    async def audit_page(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        window: NamedDependency[Window],
        audit_query: NamedDependency[AuditQuery],
    ) -> Template:
        entries, total = await audit.search(db_session, audit_query, limit=min(window.limit, 50), offset=window.offset)
        return page("accounts/audit.html", entries=entries, total=total, query=request.query_params, window=window)


def _role_missing() -> DomainError:
    return InvalidInput.one("role", "Choose a role")
