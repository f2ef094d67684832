"""Two-factor sign-in pages: the code after the password, a recovery code instead, setting up an app
(QR code made on the server, the secret as text), the recovery codes shown once, and replacing an app.

They translate forms to the same sign-in steps the API uses (``signin``) and back; no JavaScript.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from stepchange.accounts.deps import provide_staff
from stepchange.accounts.guards import NOT_HALF_SIGNED_IN, acting_staff, any_staff, enrolling, half_signed_in
from stepchange.accounts.mfa import SecondFactor, Stage
from stepchange.accounts.pages import page
from stepchange.accounts.services import StaffService
from stepchange.accounts.signin import (
    begin_enrolment,
    confirm_enrolment,
    replace_with_recovery_code,
    sign_in_with_code,
)
from stepchange.core.errors import DomainError, FieldError
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status, safe_next
from stepchange.core.web import see_other

Next = Annotated[str | None, QueryParameter(name="next", max_length=500)]
WAITING_FOR_CODE = [half_signed_in(Stage.CODE)]
MODES = {
    "app": {
        "heading": "Enter the code from your authenticator app",
        "label": "Code",
        "hint": "The 6-digit code your authenticator app shows for Step-Change now.",
        "action": "/login/code",
    },
    "recovery": {
        "heading": "Use a recovery code",
        "label": "Recovery code",
        "hint": "One of the ten codes you saved when you set up your authenticator app, like 4kq7-xm2p-9dtw-b3nc. "
        "Each code works once.",
        "action": "/login/recovery",
    },
}


def code_page(mode: str, next_: str, errors: list[FieldError], status_code: int = 200, **kw: Any) -> Template:
    return page("accounts/code.html", status_code, mode=mode, text=MODES[mode], next=next_, errors=errors, **kw)


def with_next(path: str, next_: str) -> str:
    return f"{path}?{urlencode({'next': next_})}"


class TwoFactorPages(Controller):
    include_in_schema = False
    dependencies = {"staff": Provide(provide_staff)}

    # --- the second step of signing in ---------------------------------------------------------

    @get("/login/code", name="login_code", guards=WAITING_FOR_CODE)
    async def code_form(self, next_: Next = None) -> Template:
        return code_page("app", safe_next(next_, "/home"), [])

    @get("/login/recovery", name="login_recovery", guards=WAITING_FOR_CODE)
    async def recovery_form(self, next_: Next = None) -> Template:
        return code_page("recovery", safe_next(next_, "/home"), [])

    @post("/login/code", guards=WAITING_FOR_CODE)
    async def code(
        self, request: Request[Any, Any, Any], data: Form, staff: NamedDependency[StaffService]
    ) -> Template | Redirect:
        return await self._finish("app", request, data, staff)

    @post("/login/recovery", guards=WAITING_FOR_CODE)
    async def recovery(
        self, request: Request[Any, Any, Any], data: Form, staff: NamedDependency[StaffService]
    ) -> Template | Redirect:
        return await self._finish("recovery", request, data, staff)

    async def _finish(
        self, mode: str, request: Request[Any, Any, Any], data: Form, staff: StaffService
    ) -> Template | Redirect:
        target, code = safe_next(field(data, "next"), "/home"), field(data, "code")
        if not code:
            return code_page(mode, target, [FieldError("code", f"Enter your {MODES[mode]['label'].lower()}")], 400)
        try:
            await sign_in_with_code(request, staff, code)
        except (NotAuthorizedException, TooManyRequestsException) as exc:
            if exc.detail == NOT_HALF_SIGNED_IN:
                return see_other("/login")  # the half-finished sign-in lapsed, or the account was reset
            errors = [FieldError("code", str(exc.detail))]
            return page(
                "accounts/code.html",
                exc.status_code,
                headers=exc.headers,
                mode=mode,
                text=MODES[mode],
                next=target,
                errors=errors,
            )
        return see_other("/account/two-factor?done=recovery" if mode == "recovery" else target)

    # --- setting up an authenticator app ------------------------------------------------------------

    @get("/account/two-factor/setup", name="two_factor_setup", guards=[enrolling])
    async def setup_form(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService], next_: Next = None
    ) -> Template | Redirect:
        return await self._setup_page(request, staff, safe_next(next_, "/home"), [])

    async def _setup_page(
        self,
        request: Request[Any, Any, Any],
        staff: StaffService,
        target: str,
        errors: list[FieldError],
        status: int = 200,
    ) -> Template | Redirect:
        try:
            enrolment = await begin_enrolment(request, staff)
        except FormRefusal:  # set up already: nothing to do here
            return see_other("/account/two-factor")
        return page("accounts/mfa_setup.html", status, enrolment=enrolment, next=target, errors=errors)

    @post("/account/two-factor/setup", guards=[enrolling])
    async def confirm(
        self, request: Request[Any, Any, Any], data: Form, staff: NamedDependency[StaffService]
    ) -> Template | Redirect:
        target, code = safe_next(field(data, "next"), "/home"), field(data, "code")
        if not code:
            errors = [FieldError("code", "Enter the code from your authenticator app")]
            return await self._setup_page(request, staff, target, errors, 400)
        try:
            _, codes = await confirm_enrolment(request, staff, code)
        except FormRefusal as exc:
            return await self._setup_page(request, staff, target, *_refusal(exc))
        except TooManyRequestsException as exc:
            return await self._setup_page(request, staff, target, *_refusal(exc))
        return page("accounts/recovery_codes.html", codes=codes, next=target)

    # --- the account's second factor -------------------------------------------------------------------

    @get("/account/two-factor", name="two_factor", guards=[any_staff])
    async def status(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffService],
        done: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        return await self._status_page(request, staff, [], done=done)

    async def _status_page(
        self, request: Request[Any, Any, Any], staff: StaffService, errors: list[FieldError], **kw: Any
    ) -> Template:
        user = await staff.by_id(acting_staff(request).id)
        left = await SecondFactor(staff.session).recovery_codes_left(user.id)
        return page("accounts/two_factor.html", kw.pop("status", 200), user=user, left=left, errors=errors, **kw)

    @post("/account/two-factor/replace", guards=[any_staff])
    async def replace(
        self, request: Request[Any, Any, Any], data: Form, staff: NamedDependency[StaffService]
    ) -> Template | Redirect:
        code = field(data, "code")
        if not code:
            errors = [FieldError("code", "Enter one of your recovery codes")]
            return await self._status_page(request, staff, errors, status=400, done=None)
        try:
            await replace_with_recovery_code(request, staff, code)
        except FormRefusal as exc:
            errors, status = _refusal(exc)
            return await self._status_page(request, staff, errors, status=status, done=None)
        except TooManyRequestsException as exc:
            errors, status = _refusal(exc)
            return await self._status_page(request, staff, errors, status=status, done=None)
        return see_other("/account/two-factor/setup")


def _refusal(exc: DomainError | TooManyRequestsException) -> tuple[list[FieldError], int]:
    """A refused code as the page shows it: against the code field, with its status."""
    if isinstance(exc, TooManyRequestsException):
        return [FieldError("code", str(exc.detail))], exc.status_code
    return form_errors(exc, "code"), refusal_status(exc)
