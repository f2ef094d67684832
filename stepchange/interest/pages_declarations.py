"""Declaring interests on the public form: one declaration a page, then "add another" (the Design System's
add-another pattern), each naming the projects it touches."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from stepchange.core.errors import FieldError, NotFound, RuleViolation
from stepchange.core.forms import Form, field, fields, refusal_status
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService
from stepchange.interest.deps import provide_calls, provide_interest
from stepchange.interest.forms import DECLARATION_SLOTS, DECLARED
from stepchange.interest.models import Call
from stepchange.interest.pages_answers import (
    DECLARATION_PARTS,
    all_problems,
    answers_of,
    declaration_fields,
    declared,
    keep_answers,
    on_page,
)
from stepchange.interest.pages_flow import KIND_NAMES, KINDS, after_declarations, closed_page
from stepchange.interest.services import InterestService


def _list_page(
    call: Call, answers: dict[str, Any], *, change: bool, errors: list[FieldError] | None = None
) -> Template:
    return Template(
        "interest/declarations.html",
        context={
            "call": call,
            "values": answers,
            "count": declared(answers),
            "kinds": KIND_NAMES,
            "change": change,
            "errors": errors or [],
        },
        status_code=HTTP_400_BAD_REQUEST if errors else 200,
    )


def _declare_page(
    call: Call, answers: dict[str, Any], slot: int, *, change: bool, errors: list[FieldError] | None = None
) -> Template:
    chosen = {c.strip() for c in str(answers.get(f"conflicts[{slot}].projects", "")).split(",") if c.strip()}
    return Template(
        "interest/declare.html",
        context={
            "call": call,
            "projects": sorted(call.projects, key=lambda p: p.programme_order),
            "values": answers,
            "slot": slot,
            "chosen": chosen,
            "kinds": KINDS,
            "change": change,
            "back": "/interest/declarations" if declared(answers) else "/interest/conflicts",
            "errors": errors or [],
        },
        status_code=HTTP_400_BAD_REQUEST if errors else 200,
    )


class DeclarationPages(Controller):
    path = "/interest/declarations"
    include_in_schema = False
    dependencies = {"interest": Provide(provide_interest), "calls": Provide(provide_calls)}

    @get("/", name="interest_declarations")
    async def declarations(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], change: FromQuery[str] = ""
    ) -> Template | Redirect:
        call, answers = await calls.open_call(), answers_of(request)
        if call is None:
            return see_other("/interest")
        if not declared(answers):
            return see_other("/interest/conflicts")
        return _list_page(call, answers, change=change == "yes")

    @post("/")
    async def another(
        self, request: Request[Any, Any, Any], data: Form, calls: NamedDependency[CallService]
    ) -> Template | Redirect:
        """Add another, or go on."""
        call, answers, change = await calls.open_call(), answers_of(request), field(data, "change") == "yes"
        if call is None:
            return see_other("/interest")
        more = field(data, "another")
        if more not in ("yes", "no"):
            errors = [FieldError("another", "Select yes if you need to declare another interest")]
            return _list_page(call, answers, change=change, errors=errors)
        if more == "yes" and declared(answers) < DECLARATION_SLOTS:
            return see_other(f"/interest/declarations/{declared(answers)}")
        return see_other(after_declarations(answers, change=change))

    @get("/{slot:int}", name="interest_declare")
    async def declare(
        self,
        request: Request[Any, Any, Any],
        calls: NamedDependency[CallService],
        slot: FromPath[int],
        change: FromQuery[str] = "",
    ) -> Template | Redirect:
        call, answers = await calls.open_call(), answers_of(request)
        if call is None:
            return see_other("/interest")
        self._known(answers, slot)
        return _declare_page(call, answers, slot, change=change == "yes")

    @post("/{slot:int}")
    async def save(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        interest: NamedDependency[InterestService],
        calls: NamedDependency[CallService],
        slot: FromPath[int],
    ) -> Template | Redirect:
        """A declaration is kept once it passes (a new one left half-done is not added to the list)."""
        call, answers, change = await calls.open_call(), answers_of(request), field(data, "change") == "yes"
        if call is None:
            return see_other("/interest")
        self._known(answers, slot)
        trial = {
            **answers,
            "has_conflicts": "yes",
            DECLARED: str(max(declared(answers), slot + 1)),
            f"conflicts[{slot}].kind": field(data, "kind")[:20],
            f"conflicts[{slot}].description": field(data, "description")[:5000],
            f"conflicts[{slot}].organisation": field(data, "organisation")[:200],
            f"conflicts[{slot}].projects": ", ".join(c[:8] for c in fields(data, "projects")[:40]),
        }
        try:
            problems = await all_problems(trial, interest)
        except RuleViolation as exc:
            return await closed_page(calls, refusal_status(exc))
        errors = on_page(problems, declaration_fields(slot))
        if errors:
            return _declare_page(call, trial, slot, change=change, errors=errors)
        keep_answers(request, trial)
        return see_other("/interest/declarations" + ("?change=yes" if change else ""))

    @post("/{slot:int}/remove")
    async def remove(self, request: Request[Any, Any, Any], slot: FromPath[int]) -> Redirect:
        """Remove one declaration from the answers (nothing is stored yet): the later ones move up."""
        answers = answers_of(request)
        count = declared(answers)
        if not 0 <= slot < count:
            raise NotFound("declaration", str(slot))
        for at in range(slot, count):
            for part in DECLARATION_PARTS:
                answers[f"conflicts[{at}].{part}"] = answers.get(f"conflicts[{at + 1}].{part}", "")
        answers[DECLARED] = str(count - 1)
        keep_answers(request, answers)
        return see_other("/interest/declarations" if count > 1 else "/interest/conflicts")

    @staticmethod
    def _known(answers: dict[str, Any], slot: int) -> None:
        """A declaration already made, or the next one."""
        if not 0 <= slot <= min(declared(answers), DECLARATION_SLOTS - 1):
            raise NotFound("declaration", str(slot))
