"""The public form's answers, kept on the server for the browser session, and which question asks what.

The question pages each post one topic; their answers are kept in the session (never in the browser)
as the form's field names, so that the same :func:`~stepchange.interest.forms.read_form` turns them into
the API's submission. A page's errors are the service's verdict on the whole submission so far, kept to
the fields that page asks about: every rule is still decided once, by
:func:`~stepchange.interest.rules.accept_submission`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Request

from stepchange.core.errors import FieldError, InvalidInput
from stepchange.interest.forms import CHOICE_SLOTS, DECLARATION_SLOTS, DECLARED, read_form
from stepchange.interest.services import InterestService

ANSWERS = "interest_answers"
SENT_TO = "interest_sent_to"
DECLARATION_PARTS = ("kind", "description", "organisation", "projects")


@dataclass(frozen=True)
class Question:
    """One question page: its address, heading, and the fields it asks, in page order."""

    slug: str
    title: str
    fields: tuple[str, ...]
    lists: tuple[str, ...] = ()
    """Fields that repeat (checkboxes)."""


_CHOICE_FIELDS = tuple(f"choices[{slot}].{part}" for slot in range(CHOICE_SLOTS) for part in ("project", "role"))
QUESTIONS = (
    Question("about-you", "About you", ("name", "email", "phone")),
    Question("organisation", "Your organisation and role", ("organisation", "job_title", "sector")),
    Question("projects", "The projects you choose", _CHOICE_FIELDS),
    Question("time", "Your time", ("hours_per_month",)),
    Question(
        "experience",
        "Your experience and credentials",
        ("experience", "credentials", "other_credential"),
        ("credentials",),
    ),
    Question("conflicts", "Conflicts of interest", ("has_conflicts",)),
    Question("confidentiality", "In confidence", ("confidentiality_accepted",)),
)
BY_SLUG = {q.slug: q for q in QUESTIONS}
_DECLARATION_FIELD = re.compile(r"^conflicts\[(\d+)\]\.(\w+)")


def declaration_fields(slot: int) -> tuple[str, ...]:
    return tuple(f"conflicts[{slot}].{part}" for part in DECLARATION_PARTS)


# --- the answers in the session -----------------------------------------------------------------


def answers_of(request: Request[Any, Any, Any]) -> dict[str, Any]:
    session = request.scope.get("session")
    kept = session.get(ANSWERS) if isinstance(session, dict) else None
    return dict(kept) if isinstance(kept, dict) else {}


def keep_answers(request: Request[Any, Any, Any], answers: dict[str, Any]) -> None:
    session = request.scope.get("session")
    request.set_session({**(session if isinstance(session, dict) else {}), ANSWERS: answers})


def forget_answers(request: Request[Any, Any, Any], sent_to: str) -> None:
    """The submission has gone: the answers are dropped, and only the address it went to kept."""
    session = request.scope.get("session")
    kept = {k: v for k, v in (session if isinstance(session, dict) else {}).items() if k != ANSWERS}
    request.set_session({**kept, SENT_TO: sent_to})


def sent_to(request: Request[Any, Any, Any]) -> str | None:
    session = request.scope.get("session")
    value = session.get(SENT_TO) if isinstance(session, dict) else None
    return value if isinstance(value, str) else None


def posted(form: dict[str, Any], names: tuple[str, ...], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The page's own fields from a posted form, trimmed and bounded; checkboxes as lists."""
    out: dict[str, Any] = {}
    for name in names:
        value = form.get(name, [] if name in lists else "")
        if name in lists:
            out[name] = [str(v)[:200] for v in (value if isinstance(value, list) else [value]) if str(v)][:20]
        else:
            out[name] = str(value[0] if isinstance(value, list) and value else value or "").strip()[:5000]
    return out


ANSWER_FIELDS = frozenset(
    [name for q in QUESTIONS for name in q.fields]
    + [name for slot in range(DECLARATION_SLOTS) for name in declaration_fields(slot)]
    + [DECLARED]
)


def known_answers(form: dict[str, Any]) -> dict[str, Any]:
    """Only the form's own fields from a posted form (a form posting every answer at once is taken too)."""
    lists = {name for q in QUESTIONS for name in q.lists}
    return posted(form, tuple(name for name in form if name in ANSWER_FIELDS), tuple(lists))


def declared(answers: dict[str, Any]) -> int:
    value = str(answers.get(DECLARED, "0"))
    return min(int(value), DECLARATION_SLOTS) if value.isdigit() else 0


# --- errors, as each page shows them ------------------------------------------------------------


def anchor(error_field: str, answers: dict[str, Any]) -> str:
    """The field on a question page an error belongs to."""
    if error_field in ("conflicts", "no_conflicts"):
        answered = answers.get("has_conflicts") in ("yes", "no")
        return "conflicts[0].description" if answered else "has_conflicts"
    if error_field == "choices":
        return "choices[0].project"
    if error_field.startswith("choices[") and error_field.endswith(".rank"):
        return error_field.removesuffix(".rank") + ".project"
    if error_field.startswith("credentials"):
        return "other_credential" if "Other" in answers.get("credentials", []) else "credentials"
    return error_field


async def all_problems(answers: dict[str, Any], interest: InterestService) -> list[FieldError]:
    """Every problem with the answers so far, each against the field that shows it (a closed call raises)."""
    form = read_form(answers)
    errors = list(form.errors)
    if form.submission is not None:
        try:
            await interest.check(form.submission)
        except InvalidInput as exc:
            errors += form.place(exc.errors)
    return [FieldError(anchor(e.field, answers), e.message) for e in errors]


def on_page(errors: list[FieldError], fields: tuple[str, ...]) -> list[FieldError]:
    """The errors a page shows: its own fields only, in page order, one message a field."""
    first: dict[str, FieldError] = {}
    for error in errors:
        if error.field in fields and error.field not in first:
            first[error.field] = error
    return [first[name] for name in fields if name in first]


def page_of(error_field: str) -> str:
    """The address of the page that asks about this field."""
    if match := _DECLARATION_FIELD.match(error_field):
        return f"/interest/declarations/{match.group(1)}"
    for question in QUESTIONS:
        if error_field in question.fields:
            return f"/interest/{question.slug}"
    return f"/interest/{QUESTIONS[0].slug}"


def first_unanswered(errors: list[FieldError]) -> str | None:
    """The first page, in the form's order, with a problem."""
    pages = [page_of(e.field) for e in errors]
    order = [f"/interest/{q.slug}" for q in QUESTIONS]
    order.insert(order.index("/interest/confidentiality"), "/interest/declarations/")
    return min(pages, key=lambda p: next(i for i, o in enumerate(order) if p.startswith(o))) if pages else None
