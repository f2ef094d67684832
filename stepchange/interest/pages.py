"""The public expression-of-interest form: questions, check your answers, confirmation, and the emailed link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from stepchange.core.errors import FieldError, InvalidInput, RuleViolation
from stepchange.core.forms import Form, field, form_errors, refusal_status
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService, CallWindow, last_moment
from stepchange.interest.deps import (
    RATE_LIMITED,
    filed_after_response,
    provide_calls,
    provide_interest,
    resent_after_response,
)
from stepchange.interest.forms import CHOICE_SLOTS, DECLARATION_SLOTS, FormSubmission, read_form
from stepchange.interest.intake import receive
from stepchange.interest.rules import CREDENTIALS, SECTORS, STATEMENT, STATEMENT_VERSION, CleanSubmission
from stepchange.interest.services import InterestService


class FormProblems(Exception):
    """What to show on the form again, and with which status."""

    def __init__(self, errors: list[FieldError], status: int) -> None:
        super().__init__("form has problems")
        self.errors, self.status = errors, status


class InterestPages(Controller):
    path = "/interest"
    include_in_schema = False
    dependencies = {"interest": Provide(provide_interest), "calls": Provide(provide_calls)}

    async def _form(
        self,
        calls: CallService,
        form: FormSubmission | None = None,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        call = await calls.open_call()
        latest = None if call else await calls.latest()
        return Template(
            "interest/form.html",
            context={
                "call": call,
                "closed_message": f"{latest.name} closed at {last_moment(latest)}." if latest else None,
                "values": form.values if form else {},
                "errors": errors or [],
                "sectors": SECTORS,
                "credentials": CREDENTIALS,
                "statement": STATEMENT,
                "statement_version": STATEMENT_VERSION,
                "choice_slots": range(CHOICE_SLOTS),
                "declaration_slots": range(DECLARATION_SLOTS),
            },
            status_code=status_code,
        )

    @get("/", name="interest_form")
    async def form(self, calls: NamedDependency[CallService]) -> Template:
        return await self._form(calls)

    @post("/change")
    async def change(self, data: Form, calls: NamedDependency[CallService]) -> Template:
        return await self._form(calls, read_form(data))

    @post("/check")
    async def check(
        self, data: Form, interest: NamedDependency[InterestService], calls: NamedDependency[CallService]
    ) -> Template:
        """Check every answer and show them back before anything is stored."""
        form = read_form(data)
        try:
            call, clean = await self._checked(form, interest)
        except FormProblems as problems:
            return await self._form(calls, form, problems.errors, problems.status)
        named = [project_id for project_id, _, _ in clean.choices]
        named += [project_id for *_, project_ids in clean.declarations for project_id in project_ids]
        projects = await interest.projects_named(named)
        return Template(
            "interest/check.html",
            context={"call": call, "clean": clean, "values": form.values, "projects": projects, "form": data},
        )

    @post("/", opt=RATE_LIMITED)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        interest: NamedDependency[InterestService],
        calls: NamedDependency[CallService],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        """Checked and stored before the answer; filed and the e-mail sent after it (see ``interest.intake``)."""
        form = read_form(data)
        try:
            call, clean = await self._checked(form, interest)
        except FormProblems as problems:
            return await self._form(calls, form, problems.errors, problems.status)
        received = await receive(interest.session, call, clean, source="form")
        answer = see_other("/interest/sent")
        answer.background = filed_after_response(request, received, settings)
        return answer

    async def _checked(self, form: FormSubmission, interest: InterestService) -> tuple[CallWindow, CleanSubmission]:
        """The form's own errors and the service's, every one against its field; a closed call is a 409."""
        errors = list(form.errors)
        if form.submission is not None:
            try:
                call, clean = await interest.check(form.submission)
            except InvalidInput as exc:
                seen = {e.field for e in errors}
                errors += [e for e in form.place(exc.errors) if e.field not in seen]
            except RuleViolation as exc:
                raise FormProblems(form_errors(exc), refusal_status(exc)) from None
            else:
                if not errors:
                    return call, clean
        raise FormProblems(errors, HTTP_400_BAD_REQUEST)

    @get("/sent", name="interest_sent")
    async def sent(self) -> Template:
        return Template("interest/sent.html")

    @get("/resend", name="interest_resend")
    async def resend_form(self, sent: FromQuery[bool] = False) -> Template:
        return Template("interest/resend.html", context={"errors": [], "sent": sent})

    @post("/resend", opt=RATE_LIMITED)
    async def resend(
        self, request: Request[Any, Any, Any], data: Form, settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        """The same answer, in the same time, for any address: the look-up and the e-mail come after it."""
        if not field(data, "email"):
            errors = [FieldError("email", "Enter the email address you registered with")]
            return Template("interest/resend.html", context={"errors": errors, "sent": False}, status_code=400)
        answer = see_other("/interest/resend?sent=true")
        answer.background = resent_after_response(request, field(data, "email"), settings)
        return answer

    @get("/verify/{token:str}", name="interest_verify")
    async def verify_page(self, interest: NamedDependency[InterestService], token: FromPath[str]) -> Template:
        """Opening the emailed link shows a button; only pressing it (a POST) confirms."""
        await interest.check_confirmation(token[:200])
        return Template("interest/verify.html", context={"token": token})

    @post("/verify/{token:str}")
    async def verify(self, interest: NamedDependency[InterestService], token: FromPath[str]) -> Template:
        expression, call = await interest.confirm(token[:200])
        return Template("interest/confirmed.html", context={"call": call, "expression": expression})
