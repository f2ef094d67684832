"""The public expression-of-interest form as question pages: start, one topic a page, check your answers, send.

Answers are kept on the server for the browser session (``pages_answers``); the API keeps its single
request. Every page shows all its problems at once, in page order, one message a field.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from stepchange.core.errors import InvalidInput, NotFound, RuleViolation
from stepchange.core.forms import Form, refusal_status
from stepchange.core.settings import Settings
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService
from stepchange.interest.deps import RATE_LIMITED, filed_after_response, provide_calls, provide_interest
from stepchange.interest.forms import CHOICE_SLOTS, read_form
from stepchange.interest.intake import receive
from stepchange.interest.models import Call
from stepchange.interest.pages_answers import (
    BY_SLUG,
    QUESTIONS,
    all_problems,
    answers_of,
    declared,
    first_unanswered,
    forget_answers,
    keep_answers,
    known_answers,
    on_page,
    posted,
)
from stepchange.interest.pages_flow import KIND_NAMES, closed_page, next_page, question_page
from stepchange.interest.services import InterestService


def _preset(answers: dict[str, Any], code: str) -> dict[str, Any]:
    """The project as first choice; if it was chosen further down, it moves up rather than repeating."""
    slots = [
        (answers.get(f"choices[{s}].project", ""), answers.get(f"choices[{s}].role", "member"))
        for s in range(CHOICE_SLOTS)
    ]
    others = [slot for slot in slots if slot[0] and slot[0] != code]
    role = next((r for c, r in slots if c == code), "member")
    chosen = [(code, role), *others][:CHOICE_SLOTS]
    chosen += [("", "member")] * (CHOICE_SLOTS - len(chosen))
    for slot, (project, role) in enumerate(chosen):
        answers[f"choices[{slot}].project"], answers[f"choices[{slot}].role"] = project, role
    return answers


class InterestPages(Controller):
    path = "/interest"
    include_in_schema = False
    dependencies = {"interest": Provide(provide_interest), "calls": Provide(provide_calls)}

    @get("/", name="interest_form")
    async def start(self, calls: NamedDependency[CallService]) -> Template:
        """The start page: what the call is, what you will be asked, and the Start button."""
        return await closed_page(calls)

    @get("/start", name="interest_start")
    async def begin(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], project: FromQuery[str] = ""
    ) -> Template | Redirect:
        """Start (from a project's page, with that project as first choice)."""
        call = await calls.open_call()
        if call is None:
            return await closed_page(calls)
        if project:
            code = project.strip().upper()[:8]
            if code not in {p.code for p in call.projects}:
                notice = f"Project {code} is not one you can choose in {call.name}: choose from its projects as you go."
                return await closed_page(calls, notice=notice)
            keep_answers(request, _preset(answers_of(request), code))
        return see_other(f"/interest/{QUESTIONS[0].slug}")

    @get("/check", name="interest_check")
    async def check(
        self,
        request: Request[Any, Any, Any],
        interest: NamedDependency[InterestService],
        calls: NamedDependency[CallService],
    ) -> Template | Redirect:
        """Check your answers, a Change link on each row; an unanswered question sends you to it."""
        answers = answers_of(request)
        try:
            problems = await all_problems(answers, interest)
        except RuleViolation as exc:
            return await closed_page(calls, refusal_status(exc))
        if (first := first_unanswered(problems)) is not None:
            return see_other(first)
        form = read_form(answers)
        assert form.submission is not None  # no problems: it converted
        call, clean = await interest.check(form.submission)
        named = [project_id for project_id, _, _ in clean.choices]
        named += [project_id for *_, project_ids in clean.declarations for project_id in project_ids]
        return Template(
            "interest/check.html",
            context={
                "call": call,
                "clean": clean,
                "values": answers,
                "projects": await interest.projects_named(named),
                "slots": form.declaration_slots,
                "kinds": KIND_NAMES,
            },
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
        """Send: the kept answers (a form posting every field at once is taken too), checked and stored before
        the answer; filed and the e-mail sent after it (see ``interest.intake``)."""
        answers = {**answers_of(request), **known_answers(data)}
        form = read_form(answers)
        try:
            problems = await all_problems(answers, interest)
            if problems or form.submission is None:
                raise InvalidInput(problems)
            call, clean = await interest.check(form.submission)
        except RuleViolation as exc:
            return await closed_page(calls, refusal_status(exc))
        except InvalidInput:
            return await self._first_problem(request, calls, answers, problems)
        received = await receive(interest.session, call, clean, source="form")
        forget_answers(request, clean.email)
        answer = see_other("/interest/sent")
        answer.background = filed_after_response(request, received, settings)
        return answer

    async def _first_problem(
        self, request: Request[Any, Any, Any], calls: CallService, answers: dict[str, Any], problems: list[Any]
    ) -> Template | Redirect:
        keep_answers(request, answers)
        first = first_unanswered(problems) or f"/interest/{QUESTIONS[0].slug}"
        question = BY_SLUG.get(first.removeprefix("/interest/"))
        call = await calls.open_call()
        if question is None or call is None:
            return see_other(first)
        errors = on_page(problems, question.fields)
        return question_page(question, call, answers, errors=errors, status_code=HTTP_400_BAD_REQUEST)

    @get("/{slug:str}", name="interest_question")
    async def question(
        self,
        request: Request[Any, Any, Any],
        calls: NamedDependency[CallService],
        slug: FromPath[str],
        change: FromQuery[str] = "",
    ) -> Template | Redirect:
        question, call = await self._asked(calls, slug)
        if call is None:
            return see_other("/interest")
        return question_page(question, call, answers_of(request), change=change == "yes")

    @post("/{slug:str}")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        interest: NamedDependency[InterestService],
        calls: NamedDependency[CallService],
        slug: FromPath[str],
    ) -> Template | Redirect:
        """Keep the page's answers (even with problems, so Back and Change keep them), then show its problems
        or go on."""
        question, call = await self._asked(calls, slug)
        if call is None:
            return see_other("/interest")
        change = data.get("change") == "yes"
        answers = {**answers_of(request), **posted(data, question.fields, question.lists)}
        if question.slug == "conflicts" and answers.get("has_conflicts") == "yes" and not declared(answers):
            answers["conflicts.count"] = "0"
        keep_answers(request, answers)
        try:
            errors = on_page(await all_problems(answers, interest), question.fields)
        except RuleViolation as exc:
            return await closed_page(calls, refusal_status(exc))
        if errors:
            return question_page(
                question, call, answers, errors=errors, change=change, status_code=HTTP_400_BAD_REQUEST
            )
        return see_other(next_page(question, answers, change=change))

    async def _asked(self, calls: CallService, slug: str) -> tuple[Any, Call | None]:
        question = BY_SLUG.get(slug)
        if question is None:
            raise NotFound("page", slug[:40])
        return question, await calls.open_call()
