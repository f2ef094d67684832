"""Where each question page leads: the next page, the Back link, and the page a question's template needs."""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from stepchange.core.errors import FieldError
from stepchange.ethics.models import ConflictKind
from stepchange.interest.calls import CallService, last_moment
from stepchange.interest.models import Call
from stepchange.interest.pages_answers import QUESTIONS, Question, declared
from stepchange.interest.rules import CREDENTIALS, SECTORS, STATEMENT, STATEMENT_VERSION

CHECK = "/interest/check"
KINDS = (
    (
        ConflictKind.FINANCIAL,
        "Financial",
        "You, your employer or your family could gain or lose money from the project, for example as a "
        "supplier, a shareholder or a paid adviser.",
    ),
    (
        ConflictKind.PROFESSIONAL,
        "Professional, not financial",
        "Your job or a role you hold could be affected by the project, for example you advise or sit on "
        "the board of an organisation that would bid for its work.",
    ),
    (
        ConflictKind.PERSONAL,
        "Personal, not financial",
        "A personal relationship, membership or strongly held view could influence you, for example you "
        "are a trustee of a charity the project involves.",
    ),
    (
        ConflictKind.INDIRECT,
        "Indirect, through family or close associates",
        "Any of these interests held by a member of your family or someone close to you.",
    ),
)
KIND_NAMES = {kind.value: name for kind, name, _ in KINDS}


def next_page(question: Question, answers: dict[str, Any], *, change: bool) -> str:
    """Where Continue leads from a question page."""
    if question.slug == "conflicts" and answers.get("has_conflicts") == "yes":
        then = "?change=yes" if change else ""
        return f"/interest/declarations{then}" if declared(answers) else f"/interest/declarations/0{then}"
    if change:
        return CHECK
    slugs = [q.slug for q in QUESTIONS]
    at = slugs.index(question.slug)
    return f"/interest/{slugs[at + 1]}" if at + 1 < len(slugs) else CHECK


def back_page(question: Question, answers: dict[str, Any], *, change: bool) -> str:
    """Where the Back link leads: the previous question, with its answers kept."""
    if change:
        return CHECK
    if question.slug == "confidentiality" and answers.get("has_conflicts") == "yes":
        return "/interest/declarations"
    slugs = [q.slug for q in QUESTIONS]
    at = slugs.index(question.slug)
    return f"/interest/{slugs[at - 1]}" if at else "/interest"


def after_declarations(answers: dict[str, Any], *, change: bool) -> str:
    return CHECK if change else "/interest/confidentiality"


async def closed_page(calls: CallService, status_code: int = 200, notice: str | None = None) -> Template:
    """The start page: the call, or when none is open, when the last one closed."""
    call = await calls.open_call()
    latest = None if call else await calls.latest()
    return Template(
        "interest/start.html",
        context={
            "call": call,
            "closed_message": f"{latest.name} closed at {last_moment(latest)}." if latest else None,
            "notice": notice,
        },
        status_code=status_code,
    )


def question_page(
    question: Question,
    call: Call,
    answers: dict[str, Any],
    *,
    errors: list[FieldError] | None = None,
    change: bool = False,
    status_code: int = 200,
) -> Template:
    return Template(
        f"interest/{question.slug.replace('-', '_')}.html",
        context={
            "question": question,
            "call": call,
            "projects": sorted(call.projects, key=lambda p: p.programme_order),
            "values": answers,
            "errors": errors or [],
            "change": change,
            "back": back_page(question, answers, change=change),
            "sectors": SECTORS,
            "credentials": CREDENTIALS,
            "statement": STATEMENT,
            "statement_version": STATEMENT_VERSION,
            "kinds": KINDS,
        },
        status_code=status_code,
    )
