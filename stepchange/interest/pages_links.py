"""After sending: "Check your email", a new link, and the emailed link's pages (including used, expired and
unknown links, each with a way to get a new one)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.core.errors import DomainError, FieldError, NotFound, RuleViolation
from stepchange.core.forms import Form, field
from stepchange.core.settings import Settings
from stepchange.core.validation import email_problem
from stepchange.core.web import see_other
from stepchange.interest.deps import RATE_LIMITED, provide_interest, resent_after_response
from stepchange.interest.pages_answers import sent_to
from stepchange.interest.services import InterestService

_LINK_STATES = {
    "link_used": ("This link has already been used", 409),
    "link_expired": ("This link has expired", 410),
}


def link_problem(exc: DomainError, *, what: str, again: str) -> Template:
    """The page for a link that no longer works: which it is (used, expired, unknown) and a button to get a
    new one at ``again``."""
    state, (heading, status) = "unknown", ("This link is not recognised", 404)
    if isinstance(exc, RuleViolation) and exc.rules and exc.rules[0].rule in _LINK_STATES:
        state = exc.rules[0].rule.removeprefix("link_")
        heading, status = _LINK_STATES[exc.rules[0].rule]
    return Template(
        "interest/link_problem.html",
        context={"state": state, "heading": heading, "what": what, "again": again},
        status_code=status,
    )


def address_problem(email: str) -> list[FieldError]:
    """The request pages' check on an address: missing, or not an address at all."""
    if not email:
        return [FieldError("email", "Enter the email address you registered with")]
    problem = email_problem(email)
    return [problem] if problem else []


class InterestLinkPages(Controller):
    path = "/interest"
    include_in_schema = False
    dependencies = {"interest": Provide(provide_interest)}

    @get("/sent", name="interest_sent")
    async def sent(self, request: Request[Any, Any, Any]) -> Template:
        return Template("interest/sent.html", context={"email": sent_to(request)})

    @get("/resend", name="interest_resend")
    async def resend_form(self, sent: FromQuery[bool] = False) -> Template:
        return Template("interest/resend.html", context={"errors": [], "sent": sent})

    @post("/resend", opt=RATE_LIMITED)
    async def resend(
        self, request: Request[Any, Any, Any], data: Form, settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        """The same answer, in the same time, for any address: the look-up and the e-mail come after it."""
        email = field(data, "email")[:320]
        if errors := address_problem(email):
            context = {"errors": errors, "sent": False, "email": email}
            return Template("interest/resend.html", context=context, status_code=400)
        answer = see_other("/interest/resend?sent=true")
        answer.background = resent_after_response(request, email, settings)
        return answer

    @get("/verify/{token:str}", name="interest_verify")
    async def verify_page(self, interest: NamedDependency[InterestService], token: FromPath[str]) -> Template:
        """Opening the emailed link shows a button; only pressing it (a POST) confirms."""
        try:
            await interest.check_confirmation(token[:200])
        except (NotFound, RuleViolation) as exc:
            return link_problem(exc, what="confirmation", again="/interest/resend")
        return Template("interest/verify.html", context={"token": token})

    @post("/verify/{token:str}")
    async def verify(self, interest: NamedDependency[InterestService], token: FromPath[str]) -> Template:
        try:
            expression, call = await interest.confirm(token[:200])
        except (NotFound, RuleViolation) as exc:
            await interest.session.rollback()
            return link_problem(exc, what="confirmation", again="/interest/resend")
        return Template("interest/confirmed.html", context={"call": call, "expression": expression})
